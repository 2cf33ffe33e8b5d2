package org.gan4j.bench;

import static org.bytedeco.pytorch.global.torch.randn;

import java.util.concurrent.TimeUnit;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.Tensor;
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
 * The CPU peer of {@link IterationBenchmark}: the same DCGANs ({@link LibtorchDcgan}), layer for layer, and the same
 * iteration (see {@link GanStep}) in libtorch, PyTorch's C++ core, through JavaCPP's {@code org.bytedeco:pytorch}
 * preset: modules in order (as {@code nn::Sequential}), {@code binary_cross_entropy_with_logits},
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

    private LibtorchDcgan.Net g;
    private LibtorchDcgan.Net d;
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
        LibtorchDcgan.requireDcganBetas();
        GanConfig c = GanConfig.parse(config);
        boolean small = c.model().equals("dcgan28");
        g = small ? LibtorchDcgan.generator28() : LibtorchDcgan.generator64();
        d = small ? LibtorchDcgan.discriminator28() : LibtorchDcgan.discriminator64();
        optG = new Adam(g.parameters(), LibtorchDcgan.adam());
        optD = new Adam(d.parameters(), LibtorchDcgan.adam());
        int[] image = c.imageShape().dims();
        real = torch.rand(LibtorchDcgan.toLong(image)).mul_(new org.bytedeco.pytorch.Scalar(2f))
                .sub_(new org.bytedeco.pytorch.Scalar(1f));
        ones = torch.ones(c.batch(), 1);
        zeros = torch.zeros(c.batch(), 1);
        latent = LibtorchDcgan.toLong(c.latentShape().dims());
        // The networks must produce the shapes gan4j's do, or the comparison is void.
        try (PointerScope scope = new PointerScope()) {
            Tensor fake = g.forward(randn(latent));
            LibtorchDcgan.requireShape(fake, image, "G output");
            LibtorchDcgan.requireShape(d.forward(fake), new int[] {c.batch(), 1}, "D output");
        }
        System.out.println("# libtorch, " + torch.get_num_threads() + " threads");
    }

    @Benchmark
    public void iteration(CpuClock clock) {
        clock.start();
        try (PointerScope scope = new PointerScope()) {
            lastLoss = LibtorchDcgan.step(g, d, optG, optD, real, ones, zeros, latent).g().item_float();
        }
        clock.stop();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (!Float.isFinite(lastLoss)) {
            throw new IllegalStateException("libtorch G loss is not finite after the benchmark: " + lastLoss);
        }
    }
}
