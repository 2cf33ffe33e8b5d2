package org.gan4j.bench;

import java.util.concurrent.TimeUnit;

import org.gan4j.backend.Backend;
import org.gan4j.backend.Precision;
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
 * A whole DCGAN training iteration, one {@code GanTrainer.step()} ({@link GanStep}: D step on a real and a generated
 * batch, G step, both Adam steps), synchronised inside the measured method, so the time per operation is the time
 * per iteration; {@link CpuClock} records the benchmark thread's CPU time beside it.
 * {@link BenchReport} adds images/s and GFLOP/s ({@link FlopCounter#iterationFlops}).
 *
 * <p>Every combination of the parameters runs by default, including the CPU at dcgan64-512 (minutes per
 * iteration); pick with {@code -p}, e.g. {@code -p backend=cpu -p config=dcgan28-64,dcgan28-256} on a small CPU,
 * {@code -p backend=cuda -p threads=1} on the GPU ({@code threads} only applies to the CPU backend).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class IterationBenchmark {
    @Param({"cpu", "cuda"})
    public String backend;

    @Param({"dcgan28-64", "dcgan28-256", "dcgan64-64", "dcgan64-128", "dcgan64-512"})
    public String config;

    @Param({"1", "2"})
    public int threads;

    /** fp32, tf32 or bf16 ({@code org.gan4j.backend.Precision}; tf32 is fp32 on the CPU, bf16 there an emulation). */
    @Param({"tf32"})
    public String precision;

    /** Whether the step is replayed as a CUDA graph (after one eager step and the capture); CUDA only. */
    @Param({"false"})
    public boolean graph;

    private Backend b;
    private GanStep iteration;

    @Setup(Level.Trial)
    public void setUp() {
        b = BenchBackends.create(backend, threads, Precision.parse(precision));
        iteration = new GanStep(b, GanConfig.parse(config), 42);
        if (graph) {
            iteration.step(); // eager once: buffers, workspaces and cuDNN algorithms planned before the capture
            if (!iteration.useCudaGraph()) {
                throw new IllegalStateException("graph=true needs a backend that replays CUDA graphs, not " + backend);
            }
        }
        System.out.println("# " + b.deviceDescription());
    }

    @Benchmark
    public void iteration(CpuClock clock) {
        clock.start();
        iteration.step();
        b.synchronize();
        clock.stop();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        iteration.requireFinite();
        if (b instanceof org.gan4j.backend.cuda.CudaBackend cuda) { // read by scripts/compare-pytorch.py
            System.out.printf(java.util.Locale.ROOT, "# device MB held: %.0f%n", cuda.deviceMemoryHeld() / 1048576.0);
        }
        iteration.close();
        b.close();
    }
}
