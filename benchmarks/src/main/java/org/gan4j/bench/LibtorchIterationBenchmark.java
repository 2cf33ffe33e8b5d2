package org.gan4j.bench;

import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.randn;

import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.FlattenImpl;
import org.bytedeco.pytorch.LeakyReLUImpl;
import org.bytedeco.pytorch.LeakyReLUOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.TanhImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.UnflattenImpl;
import org.bytedeco.pytorch.global.torch;
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
 * The CPU peer of {@link IterationBenchmark}: the same DCGANs, layer for layer, and the same iteration (see
 * {@link GanStep}) in libtorch, PyTorch's C++ core, through JavaCPP's {@code org.bytedeco:pytorch} preset:
 * modules in order (as {@code nn::Sequential}), {@code binary_cross_entropy_with_logits},
 * {@code torch::optim::Adam} (lr 2e-4, betas 0.5/0.999), eager mode, F32, {@code torch::set_num_threads(threads)}.
 * Each step's temporaries are freed by a {@link PointerScope}. The real batch is made once; the latent batch is drawn
 * each step, as in gan4j. (gan4j's trainer also keeps device-side metrics: the means of D's outputs, the loss sum and
 * both gradients' sums of squares: a few passes over small buffers that libtorch's loop does not make. It halves D's
 * loss, as pytorch/examples reports it; that scales gradients, not work.)
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 5, time = 5)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "-Dorg.bytedeco.javacpp.maxPhysicalBytes=0"})
public class LibtorchIterationBenchmark {
    @Param({"dcgan28-64", "dcgan28-256", "dcgan64-64"})
    public String config;

    @Param({"1", "2"})
    public int threads;

    private Net g;
    private Net d;
    private Adam optG;
    private Adam optD;
    private Tensor real;
    private Tensor ones;
    private Tensor zeros;
    private long[] latent;
    private float lastLoss;

    @Setup(Level.Trial)
    public void setUp() {
        torch.set_num_threads(threads);
        torch.manual_seed(42);
        GanConfig c = GanConfig.parse(config);
        boolean small = c.model().equals("dcgan28");
        g = small ? generator28() : generator64();
        d = small ? discriminator28() : discriminator64();
        optG = new Adam(g.parameters(), adam());
        optD = new Adam(d.parameters(), adam());
        int[] image = c.imageShape().dims();
        real = torch.rand(toLong(image)).mul_(new org.bytedeco.pytorch.Scalar(2f))
                .sub_(new org.bytedeco.pytorch.Scalar(1f));
        ones = torch.ones(c.batch(), 1);
        zeros = torch.zeros(c.batch(), 1);
        latent = toLong(c.latentShape().dims());
        // The networks must produce the shapes gan4j's do, or the comparison is void.
        try (PointerScope scope = new PointerScope()) {
            Tensor fake = g.forward(randn(latent));
            requireShape(fake, image, "G output");
            requireShape(d.forward(fake), new int[] {c.batch(), 1}, "D output");
        }
        System.out.println("# libtorch, " + torch.get_num_threads() + " threads");
    }

    @Benchmark
    public void iteration(CpuClock clock) {
        clock.start();
        try (PointerScope scope = new PointerScope()) {
            optD.zero_grad();
            Tensor errReal = binary_cross_entropy_with_logits(d.forward(real), ones);
            errReal.backward();
            Tensor fake = g.forward(randn(latent));
            Tensor errFake = binary_cross_entropy_with_logits(d.forward(fake.detach()), zeros);
            errFake.backward();
            optD.step();

            optG.zero_grad();
            Tensor errG = binary_cross_entropy_with_logits(d.forward(fake), ones);
            errG.backward();
            optG.step();
            lastLoss = errG.item_float();
        }
        clock.stop();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (!Float.isFinite(lastLoss)) {
            throw new IllegalStateException("libtorch G loss is not finite after the benchmark: " + lastLoss);
        }
    }

    // ------------------------------------------------------------------ the networks, as in org.gan4j.models

    /**
     * A sequence of registered submodules run in order (libtorch's {@code nn::Sequential}, written out: children
     * registered from Java with {@code register_module} keep their ownership straight, which the preset's
     * {@code SequentialImpl.push_back} did not in our runs).
     */
    private static final class Net extends Module {
        private final java.util.List<java.util.function.UnaryOperator<Tensor>> layers = new java.util.ArrayList<>();

        void push_back(LinearImpl m) {
            LinearImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(Conv2dImpl m) {
            Conv2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(ConvTranspose2dImpl m) {
            ConvTranspose2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(x -> r.forward(x));
        }

        void push_back(BatchNorm1dImpl m) {
            BatchNorm1dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(BatchNorm2dImpl m) {
            BatchNorm2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(ReLUImpl m) {
            ReLUImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(LeakyReLUImpl m) {
            LeakyReLUImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(TanhImpl m) {
            TanhImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(FlattenImpl m) {
            FlattenImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(UnflattenImpl m) {
            UnflattenImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        Tensor forward(Tensor x) {
            Tensor h = x;
            for (java.util.function.UnaryOperator<Tensor> l : layers) {
                h = l.apply(h);
            }
            return h;
        }
    }

    private static AdamOptions adam() {
        AdamOptions o = new AdamOptions(2e-4);
        o.betas().put(new double[] {0.5, 0.999});
        o.eps().put(1e-8);
        return o;
    }

    private static Net generator28() {
        Net s = new Net();
        s.push_back(linear(100, 128 * 7 * 7, false));
        s.push_back(new BatchNorm1dImpl(new BatchNormOptions(128 * 7 * 7)));
        s.push_back(new ReLUImpl());
        s.push_back(new UnflattenImpl(1, new LongVector(128, 7, 7)));
        s.push_back(convT(128, 64, 2, 1));
        s.push_back(new BatchNorm2dImpl(new BatchNormOptions(64)));
        s.push_back(new ReLUImpl());
        s.push_back(convT(64, 1, 2, 1));
        s.push_back(new TanhImpl());
        return s;
    }

    private static Net discriminator28() {
        Net s = new Net();
        s.push_back(conv(1, 64, 2, 1));
        s.push_back(leaky());
        s.push_back(conv(64, 128, 2, 1));
        s.push_back(new BatchNorm2dImpl(new BatchNormOptions(128)));
        s.push_back(leaky());
        s.push_back(new FlattenImpl());
        s.push_back(linear(128 * 7 * 7, 1, true));
        return s;
    }

    private static Net generator64() {
        Net s = new Net();
        int[] ch = {100, 512, 256, 128, 64};
        for (int i = 0; i + 1 < ch.length; i++) {
            s.push_back(i == 0 ? convT(ch[i], ch[i + 1], 1, 0) : convT(ch[i], ch[i + 1], 2, 1));
            s.push_back(new BatchNorm2dImpl(new BatchNormOptions(ch[i + 1])));
            s.push_back(new ReLUImpl());
        }
        s.push_back(convT(64, 3, 2, 1));
        s.push_back(new TanhImpl());
        return s;
    }

    private static Net discriminator64() {
        Net s = new Net();
        int[] ch = {3, 64, 128, 256, 512};
        for (int i = 0; i + 1 < ch.length; i++) {
            s.push_back(conv(ch[i], ch[i + 1], 2, 1));
            if (i > 0) {
                s.push_back(new BatchNorm2dImpl(new BatchNormOptions(ch[i + 1])));
            }
            s.push_back(leaky());
        }
        s.push_back(conv(512, 1, 1, 0));
        s.push_back(new FlattenImpl());
        return s;
    }

    private static LinearImpl linear(int in, int out, boolean bias) {
        LinearOptions o = new LinearOptions(in, out);
        o.bias().put(bias);
        return new LinearImpl(o);
    }

    /** 4x4 convolution without bias. */
    private static Conv2dImpl conv(int in, int out, int stride, int pad) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(4L, 4L));
        o.stride().put(new long[] {stride, stride});
        o.padding().put(new LongPointer((long) pad, (long) pad));
        o.bias().put(false);
        return new Conv2dImpl(o);
    }

    /** 4x4 transposed convolution without bias. */
    private static ConvTranspose2dImpl convT(int in, int out, int stride, int pad) {
        ConvTranspose2dOptions o = new ConvTranspose2dOptions(in, out, new LongPointer(4L, 4L));
        o.stride().put(new long[] {stride, stride});
        o.padding().put(new long[] {pad, pad});
        o.bias().put(false);
        return new ConvTranspose2dImpl(o);
    }

    private static LeakyReLUImpl leaky() {
        LeakyReLUOptions o = new LeakyReLUOptions();
        o.negative_slope().put(0.2);
        return new LeakyReLUImpl(o);
    }

    private static long[] toLong(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    private static void requireShape(Tensor t, int[] expected, String what) {
        boolean ok = t.dim() == expected.length;
        for (int i = 0; ok && i < expected.length; i++) {
            ok = t.size(i) == expected[i];
        }
        if (!ok) {
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < t.dim(); i++) {
                got.append(i == 0 ? "" : ", ").append(t.size(i));
            }
            throw new IllegalStateException("libtorch " + what + " has shape (" + got + "), expected "
                    + java.util.Arrays.toString(expected) + ": the network does not match gan4j's");
        }
    }
}
