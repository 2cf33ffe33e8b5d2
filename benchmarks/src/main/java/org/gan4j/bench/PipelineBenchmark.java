package org.gan4j.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.backend.Backend;
import org.gan4j.gan.TrainerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The CLI's training pipeline against the bare step loop, per DCGAN configuration: one operation is one training
 * step, so {@link BenchReport} turns ms/op into images/s and prints CLI / step loop per configuration.
 * <ul>
 *   <li>{@code cli}: what {@code bin/gan4j train} runs, {@link GanTraining} over a synthetic dataset (batches
 *       from the loader's threads through the backend's host staging, metrics read every step as the CLI's default
 *       {@code --metrics-every 1}, collected one step late without stalling the device, metrics.csv, epoch-end
 *       sample grids and loss plots), on a thread of its own; the measured thread waits for each step it reports. The dataset holds {@link #images} images (epochs of 200
 *       steps, 64 at dcgan64-512); periodic checkpoints are off (one at the end, outside the measurement).</li>
 *   <li>{@code stepLoop}: {@code GanTrainer.step()} back to back on a fixed real batch, metrics never read
 *       ({@link GanStep}), not synchronised per step (the device's queue bounds how far the host runs ahead; JMH
 *       iterations of seconds make the unsynchronised tail negligible); {@code stepLoopGraph} the same replaying a
 *       CUDA graph (on the CPU identical to {@code stepLoop}: run it on CUDA only).</li>
 * </ul>
 * Run: {@code -p backend=cpu -p config=dcgan28-64} here, {@code -p backend=cuda} on the GPU
 * ({@code scripts/gpu-bench.sh}).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 5)
@Measurement(iterations = 3, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0",
    "-Djava.awt.headless=true"})
public class PipelineBenchmark {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"dcgan28-64", "dcgan28-256", "dcgan64-64", "dcgan64-128", "dcgan64-512"})
    public String config;

    /** CPU threads (the CPU backend only). */
    @Param({"2"})
    public int threads;

    /** Images in the CLI's synthetic dataset: 200 batches, at most 32768 images (400 MB at 64x64x3). */
    static int images(GanConfig c) {
        return Math.min(200 * c.batch(), 32_768);
    }

    /** GanTraining running on its own thread; {@link #awaitStep()} returns once per step it completes. */
    @State(Scope.Benchmark)
    public static class CliRun {
        private final Semaphore steps = new Semaphore(0);
        private GanTraining training;
        private Thread thread;
        private Path dir;
        private volatile Throwable failure;

        @Setup(Level.Trial)
        public void start(PipelineBenchmark p) throws IOException {
            GanConfig c = GanConfig.parse(p.config);
            dir = Files.createTempDirectory("gan4j-pipeline");
            TrainingConfig tc = TrainingConfig.builder().model(ModelConfig.of(c.model()))
                    .dataset(DatasetConfig.synthetic(images(c)))
                    .trainer(TrainerConfig.builder().batchSize(c.batch()).seed(42).build())
                    .steps(Long.MAX_VALUE / 4).backend(p.backend).threads(p.threads).output(dir.resolve("run"))
                    .checkpointEvery(Long.MAX_VALUE / 4).build();
            training = GanTraining.create(tc);
            thread = new Thread(() -> {
                try {
                    training.run(new GanTraining.Listener() {
                        @Override
                        public void onStep(GanTraining.StepReport report) {
                            steps.release();
                        }
                    });
                } catch (Throwable t) {
                    failure = t;
                } finally {
                    steps.release(Integer.MAX_VALUE / 2); // never leave the measured thread waiting
                }
            }, "gan4j-pipeline-benchmark");
            thread.start();
        }

        /** Steps done between iterations (JMH's bookkeeping) must not count as measured steps. */
        @Setup(Level.Iteration)
        public void drain() {
            steps.drainPermits();
        }

        void awaitStep() throws InterruptedException {
            steps.acquire();
            if (failure != null) {
                throw new IllegalStateException("the training run failed: " + failure, failure);
            }
        }

        @TearDown(Level.Trial)
        public void stop() throws InterruptedException, IOException {
            training.cancel();
            thread.join();
            training.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> {
                    try {
                        Files.delete(f);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
            }
        }
    }

    /** The bare step loop on the benchmark's own backend. */
    @State(Scope.Benchmark)
    public static class StepLoop {
        Backend b;
        GanStep loop;

        @Setup(Level.Trial)
        public void setUp(PipelineBenchmark p) {
            open(p, false);
        }

        void open(PipelineBenchmark p, boolean graph) {
            b = BenchBackends.create(p.backend, p.threads);
            loop = new GanStep(b, GanConfig.parse(p.config), 42);
            if (graph && !loop.useCudaGraph()) {
                throw new IllegalStateException("stepLoopGraph needs a backend that can replay a CUDA graph ("
                        + b.name() + " cannot): run it with -p backend=cuda");
            }
        }

        @TearDown(Level.Iteration)
        public void drain() {
            b.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            loop.requireFinite();
            loop.close();
            b.close();
        }
    }

    /** The same loop replaying the step as a CUDA graph (after one eager step and the capture). */
    @State(Scope.Benchmark)
    public static class GraphLoop {
        final StepLoop inner = new StepLoop();

        @Setup(Level.Trial)
        public void setUp(PipelineBenchmark p) {
            inner.open(p, true);
        }

        @TearDown(Level.Iteration)
        public void drain() {
            inner.drain();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            inner.tearDown();
        }
    }

    @Benchmark
    public void cli(CliRun run) throws InterruptedException {
        run.awaitStep();
    }

    @Benchmark
    public void stepLoop(StepLoop loop) {
        loop.loop.step();
    }

    @Benchmark
    public void stepLoopGraph(GraphLoop loop) {
        loop.inner.loop.step();
    }
}
