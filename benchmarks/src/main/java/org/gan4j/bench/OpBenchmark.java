package org.gan4j.bench;

import java.util.concurrent.TimeUnit;

import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
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
 * Each backend op of the DCGAN iteration at the real layer shapes ({@link OpCases}), synchronised inside the
 * measured method. {@link BenchReport} turns the times into GFLOP/s for the convolutions and GB/s for the rest.
 * Each op family has its own state, so its parameters ({@code layer}, {@code batch}, {@code model}) multiply only
 * with each other and with {@code backend}/{@code threads}. Inputs are seeded uniform values in [-1, 1]. The
 * convolutions also record the benchmark thread's CPU time ({@link CpuClock}): at {@code threads=1} that is the whole
 * work of the call, comparable with {@link PeakBenchmark} on a machine shared with other processes.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class OpBenchmark {

    /** The backend, shared by the op states of one benchmark. */
    @State(Scope.Benchmark)
    public static class BackendState {
        @Param({"cpu", "cuda"})
        public String backend;

        @Param({"2"})
        public int threads;

        Backend b;
        RandomState rng;

        @Setup(Level.Trial)
        public void setUp() {
            b = BenchBackends.create(backend, threads);
            rng = b.newRandom(7);
        }

        Tensor random(Shape s) {
            Tensor t = b.allocate(s);
            b.randomUniform(rng, -1f, 1f, t);
            return t;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            rng.close();
            b.close();
        }
    }

    /** A convolution layer's tensors. */
    @State(Scope.Benchmark)
    public static class ConvState {
        @Param({"d28.conv1", "d28.conv2", "d64.conv1", "d64.conv2", "d64.conv3", "d64.conv4", "d64.conv5",
                "g64.convT1"})
        public String layer;

        @Param({"64", "256"})
        public int batch;

        OpCases.Conv c;
        Tensor x;
        Tensor w;
        Tensor y;
        Tensor dx;
        Tensor dw;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            c = OpCases.lookup(OpCases.CONV, layer);
            x = s.random(c.x(batch));
            w = s.random(c.w());
            y = s.random(c.y(batch));
            dx = s.b.allocate(c.x(batch));
            dw = s.b.allocate(c.w());
            s.b.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : new Tensor[] {x, w, y, dx, dw}) {
                t.close();
            }
        }
    }

    /** A batch norm's (or bias + activation's) tensors. */
    @State(Scope.Benchmark)
    public static class NormState {
        @Param({"g28.bn1", "g28.bn2", "d28.bn", "g64.bn1", "g64.bn2", "g64.bn3", "g64.bn4", "d64.bn2", "d64.bn3",
                "d64.bn4"})
        public String layer;

        @Param({"64", "256"})
        public int batch;

        OpCases.Norm c;
        Tensor x;
        Tensor y;
        Tensor dy;
        Tensor dx;
        Tensor gamma;
        Tensor beta;
        Tensor dgamma;
        Tensor dbeta;
        Tensor runningMean;
        Tensor runningVar;
        Tensor saveMean;
        Tensor saveInvStd;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            c = OpCases.lookup(OpCases.BATCH_NORM, layer);
            allocate(s);
            s.b.batchNormTrainForward(x, gamma, beta, 1e-5f, 0.1f, c.act(), runningMean, runningVar, y, saveMean,
                    saveInvStd);
            s.b.synchronize();
        }

        void allocate(BackendState s) {
            Shape xs = c.x(batch);
            x = s.random(xs);
            y = s.b.allocate(xs);
            dy = s.random(xs);
            dx = s.b.allocate(xs);
            gamma = s.random(Shape.of(c.channels()));
            beta = s.random(Shape.of(c.channels()));
            dgamma = s.b.allocate(c.channels());
            dbeta = s.b.allocate(c.channels());
            runningMean = s.b.allocate(c.channels());
            runningVar = s.b.allocate(c.channels());
            s.b.fill(1f, runningVar);
            saveMean = s.b.allocate(c.channels());
            saveInvStd = s.b.allocate(c.channels());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : new Tensor[] {x, y, dy, dx, gamma, beta, dgamma, dbeta, runningMean, runningVar, saveMean,
                    saveInvStd}) {
                t.close();
            }
        }
    }

    /**
     * A batch norm on {@link org.gan4j.backend.Precision#BF16}'s resident activations: its own BF16 backend (the
     * CPU's is the emulation), {@code x} and {@code dy} made as convolution outputs (a 1x1 convolution), so that on
     * CUDA they, {@code y} and {@code dx} stay bf16 NHWC and the bf16 NHWC kernels run (layers whose input is a
     * convolution output, channels a multiple of 8).
     */
    @State(Scope.Benchmark)
    public static class Bf16NormState {
        @Param({"g28.bn2", "d28.bn", "g64.bn1", "g64.bn2", "g64.bn3", "g64.bn4", "d64.bn2", "d64.bn3", "d64.bn4"})
        public String layer;

        @Param({"64", "256"})
        public int batch;

        Backend b;
        OpCases.Norm c;
        Tensor[] all;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            b = BenchBackends.create(s.backend, s.threads, org.gan4j.backend.Precision.BF16);
            c = OpCases.lookup(OpCases.BATCH_NORM, layer);
            Shape xs = c.x(batch);
            Shape cs = Shape.of(c.channels());
            RandomState rng = b.newRandom(8);
            all = new Tensor[15]; // x0 dy0 x dy y dx | w | gamma beta rmean rvar mean invStd dgamma dbeta
            for (int i = 0; i < all.length; i++) {
                all[i] = b.allocate(i < 6 ? xs : i == 6 ? Shape.of(c.channels(), c.channels(), 1, 1) : cs);
            }
            for (int i : new int[] {0, 1, 6, 7, 8}) { // x0, dy0, w, gamma, beta
                b.randomUniform(rng, -1f, 1f, all[i]);
            }
            rng.close();
            b.fill(1f, all[10]);
            b.convForward(all[0], all[6], org.gan4j.backend.ConvParams.of(1, 0), x()); // resident on CUDA
            b.convForward(all[1], all[6], org.gan4j.backend.ConvParams.of(1, 0), dy());
            forward();
            b.synchronize();
        }

        Tensor x() {
            return all[2];
        }

        Tensor dy() {
            return all[3];
        }

        void forward() {
            b.batchNormTrainForward(x(), all[7], all[8], 1e-5f, 0.1f, c.act(), all[9], all[10], all[4], all[11],
                    all[12]);
        }

        void backward() {
            b.batchNormTrainBackward(x(), all[4], dy(), all[7], all[11], all[12], c.act(), all[5], all[13], all[14]);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : all) {
                t.close();
            }
            b.close();
        }
    }

    /** The tensors of a bias + activation op (a convolution's fused activation). */
    @State(Scope.Benchmark)
    public static class ActState {
        @Param({"d28.lrelu1", "g28.tanh", "d64.lrelu1", "g64.tanh"})
        public String layer;

        @Param({"64", "256"})
        public int batch;

        OpCases.Norm c;
        Tensor x;
        Tensor y;
        Tensor dy;
        Tensor dx;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            c = OpCases.lookup(OpCases.BIAS_ACTIVATION, layer);
            x = s.random(c.x(batch));
            y = s.b.allocate(c.x(batch));
            s.b.biasActivationForward(x, null, c.act(), y);
            dy = s.random(c.x(batch));
            dx = s.b.allocate(c.x(batch));
            s.b.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : new Tensor[] {x, y, dy, dx}) {
                t.close();
            }
        }
    }

    /** D's logits and targets for the loss. */
    @State(Scope.Benchmark)
    public static class LossState {
        @Param({"64", "256"})
        public int batch;

        Tensor logits;
        Tensor targets;
        Tensor loss;
        Tensor dlogits;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            logits = s.random(Shape.of(batch, 1));
            targets = s.b.allocate(batch, 1);
            s.b.fill(1f, targets);
            loss = s.b.allocate(1);
            dlogits = s.b.allocate(batch, 1);
            s.b.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : new Tensor[] {logits, targets, loss, dlogits}) {
                t.close();
            }
        }
    }

    /** A model's flat parameter, gradient and moment buffers. */
    @State(Scope.Benchmark)
    public static class AdamState {
        @Param({"dcgan28.G", "dcgan28.D", "dcgan64.G", "dcgan64.D"})
        public String model;

        Tensor grad;
        Tensor param;
        Tensor m;
        Tensor v;
        Tensor step;

        @Setup(Level.Trial)
        public void setUp(BackendState s) {
            Shape flat = Shape.of(OpCases.adamSize(model));
            grad = s.random(flat);
            param = s.random(flat);
            m = s.b.allocate(flat);
            v = s.b.allocate(flat);
            step = s.b.allocate(1);
            s.b.synchronize();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (Tensor t : new Tensor[] {grad, param, m, v, step}) {
                t.close();
            }
        }
    }

    @Benchmark
    public void convForward(BackendState s, ConvState c, CpuClock clock) {
        clock.start();
        s.b.convForward(c.x, c.w, c.c.params(), c.y);
        s.b.synchronize();
        clock.stop();
    }

    @Benchmark
    public void convBackwardData(BackendState s, ConvState c, CpuClock clock) {
        clock.start();
        s.b.convBackwardData(c.y, c.w, c.c.params(), c.dx);
        s.b.synchronize();
        clock.stop();
    }

    @Benchmark
    public void convBackwardFilter(BackendState s, ConvState c, CpuClock clock) {
        clock.start();
        s.b.convBackwardFilter(c.x, c.y, c.c.params(), c.dw);
        s.b.synchronize();
        clock.stop();
    }

    @Benchmark
    public void batchNormForward(BackendState s, NormState n) {
        s.b.batchNormTrainForward(n.x, n.gamma, n.beta, 1e-5f, 0.1f, n.c.act(), n.runningMean, n.runningVar, n.y,
                n.saveMean, n.saveInvStd);
        s.b.synchronize();
    }

    @Benchmark
    public void batchNormBackward(BackendState s, NormState n) {
        s.b.batchNormTrainBackward(n.x, n.y, n.dy, n.gamma, n.saveMean, n.saveInvStd, n.c.act(), n.dx, n.dgamma,
                n.dbeta);
        s.b.synchronize();
    }

    /** Training batch norm forward on bf16 NHWC activations (BF16; see {@link Bf16NormState}). */
    @Benchmark
    public void batchNormForwardBf16(Bf16NormState n) {
        n.forward();
        n.b.synchronize();
    }

    /** Its backward (dgamma, dbeta accumulate into scratch tensors). */
    @Benchmark
    public void batchNormBackwardBf16(Bf16NormState n) {
        n.backward();
        n.b.synchronize();
    }

    @Benchmark
    public void biasActivationForward(BackendState s, ActState a) {
        s.b.biasActivationForward(a.x, null, a.c.act(), a.y);
        s.b.synchronize();
    }

    @Benchmark
    public void biasActivationBackward(BackendState s, ActState a) {
        s.b.biasActivationBackward(a.y, a.dy, a.c.act(), a.dx, null);
        s.b.synchronize();
    }

    @Benchmark
    public void bceWithLogitsLoss(BackendState s, LossState l) {
        s.b.bceWithLogitsLoss(l.logits, l.targets, 1f, l.loss, l.dlogits);
        s.b.synchronize();
    }

    @Benchmark
    public void adamStep(BackendState s, AdamState a) {
        s.b.adamStep(a.grad, 2e-4f, 0.5f, 0.999f, 1e-8f, 0f, a.param, a.m, a.v, a.step);
        s.b.synchronize();
    }
}
