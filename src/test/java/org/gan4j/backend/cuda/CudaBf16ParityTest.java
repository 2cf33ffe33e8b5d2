package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.Backends;
import org.gan4j.backend.Precision;
import org.gan4j.backend.cpu.Bf16EmulationBackend;
import org.gan4j.gan.StepMetrics;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * CUDA's {@link Precision#BF16} path (bf16 NHWC cuDNN convolutions on tensor cores, {@code cublasGemmEx} with bf16
 * operands) against its CPU reference, {@link Bf16EmulationBackend}, which rounds at the same points: every
 * convolution geometry of both DCGANs in its three directions at batch 1 and 64, the products of the linear layers,
 * batch norm fused with its activation on resident bf16 NHWC activations (every DCGAN batch-norm layer), 20
 * training steps of the 28x28 DCGAN, graph replay against eager steps, and the algorithms cuDNN chose (tensor
 * cores). GPU only ({@link GpuTests#assumeGpu()}); run by {@code scripts/gpu-check.sh run}. Not yet run on a GPU when
 * written (no GPU in that session): the op tolerances below are reasoned; the training one is calibrated on the CPU.
 *
 * <p><b>Tolerances (ops).</b> Both sides round the same float32 inputs to bf16 with the same function (round to
 * nearest even), so the bf16 operands are bit-identical. They differ only in the order of the float32 accumulation
 * (cuDNN/cuBLAS algorithms vs OpenBLAS): about {@code sqrt(k) 2^-24} relative to {@code sum |x w|} for k terms, under
 * {@code 2^-12} of the largest output for {@code k <= 8192} (the F32 parity suite's dot-product tolerances are of this
 * size). That accumulation difference is {@link #ACCUMULATION} below, relative to the largest output. Where an output
 * is then rounded to bf16 (convolutions), two float32 sums on either side of a rounding boundary round one bf16 ulp
 * apart: {@code 2^-7} relative (one unit in the last place of bf16's 8-bit significand, for a value in
 * {@code [2^e, 2^(e+1))} it is {@code 2^(e-7) <= 2^-7 |v|}). That is allowed per element ({@link #ONE_ULP}), but only
 * rarely: a flip needs the float32 difference to straddle a boundary, with probability about
 * {@code (float32 difference) / (bf16 ulp)}, well under 1% of elements; {@link #MAX_FLIPS} allows 1%. Rounding by
 * truncation instead of to nearest, or a missing rounding point, would move about half the elements by an ulp and
 * fails that count.
 */
class CudaBf16ParityTest {
    /** Float32 accumulation-order difference, relative to the largest |output| (see the class comment). */
    static final double ACCUMULATION = 0x1p-12;
    /** One bf16 ulp, relative: {@code 2^-7}. */
    static final double ONE_ULP = 0x1p-7;
    /** Fraction of elements allowed to differ by more than the accumulation difference (bf16 rounding flips). */
    static final double MAX_FLIPS = 0.01;

    private static Backend emulated;
    private static CudaBackend cuda;

    @BeforeAll
    static void open() {
        if (GpuTests.gpuUsable()) {
            emulated = Backends.open("cpu", new BackendOptions(0, Precision.BF16), m -> { });
            cuda = CudaBackend.create(0, Precision.BF16, false);
        }
    }

    @AfterAll
    static void close() {
        if (cuda != null) {
            cuda.close();
        }
        if (emulated != null) {
            emulated.close();
        }
    }

    /** Runs an op on one backend and returns its output. */
    interface Body {
        double[] run(Backend b);
    }

    private static Tensor gauss(Backend b, long seed, double std, Shape s) {
        Tensor t = b.allocate(s);
        b.copyFromHost(CudaParityTest.Ctx.gaussData(seed, s.size(), 0, std), t);
        return t;
    }

    /** Empty when {@code got} matches {@code ref} within the tolerances of the class comment; else a report. */
    static String compare(double[] ref, double[] got, boolean roundedOutput) {
        double max = 0;
        for (double v : ref) {
            max = Math.max(max, Math.abs(v));
        }
        double accumulation = ACCUMULATION * max;
        int flips = 0;
        int bad = 0;
        StringBuilder first = new StringBuilder();
        for (int i = 0; i < ref.length; i++) {
            double diff = Math.abs(got[i] - ref[i]);
            if (Double.compare(got[i], ref[i]) == 0 || diff <= accumulation) {
                continue;
            }
            boolean oneUlp = roundedOutput && diff <= accumulation + ONE_ULP * Math.abs(ref[i]);
            if (oneUlp) {
                flips++;
                continue;
            }
            if (bad++ < 8) {
                first.append(String.format(Locale.ROOT, "    [%d] emulated %.9g cuda %.9g diff %.3g%n", i, ref[i],
                        got[i], diff));
            }
        }
        StringBuilder report = new StringBuilder();
        if (bad > 0) {
            report.append(bad).append(" of ").append(ref.length).append(" beyond one bf16 ulp + ")
                    .append(String.format(Locale.ROOT, "%.3g", accumulation)).append(":\n").append(first);
        }
        if (flips > MAX_FLIPS * ref.length) {
            report.append(flips).append(" of ").append(ref.length).append(" elements one bf16 ulp apart (more than ")
                    .append(MAX_FLIPS * 100).append("%): a rounding mode or rounding point differs\n");
        }
        return report.toString();
    }

    /**
     * The comparison itself (runs everywhere): bf16 results of float32 sums that differ by accumulation order pass;
     * the same values truncated instead of rounded to nearest (half of them one ulp off) fail the flip count.
     */
    @Test
    void comparisonPassesAccumulationNoiseAndFailsTruncation() {
        float[] sums = CudaParityTest.Ctx.gaussData(3, 4096, 0, 1);
        double[] ref = new double[sums.length];
        double[] reordered = new double[sums.length];
        double[] truncated = new double[sums.length];
        for (int i = 0; i < sums.length; i++) {
            ref[i] = org.gan4j.tensor.BFloat16.round(sums[i]);
            reordered[i] = org.gan4j.tensor.BFloat16.round(Math.nextUp(sums[i])); // a float32 ulp apart first
            truncated[i] = Float.intBitsToFloat(Float.floatToRawIntBits(sums[i]) & 0xffff0000);
        }
        assertEquals("", compare(ref, reordered, true));
        assertTrue(compare(ref, truncated, true).contains("a rounding mode or rounding point differs"));
        assertTrue(!compare(ref, truncated, false).isEmpty(), "without output rounding an ulp is too much");
    }

    private static List<DynamicTest> opCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (int n : new int[] {1, 64}) {
            for (CudaParityTest.Conv g : CudaParityTest.CONVS) {
                Shape xs = g.x(n);
                Shape ws = g.w();
                Shape ys = g.p().outputShape(xs, ws);
                String name = g.layer() + " N " + n;
                tests.add(op("convForward " + name, true, b -> {
                    try (Tensor x = gauss(b, 80, 1, xs); Tensor w = gauss(b, 81, 0.1, ws); Tensor y = b.allocate(ys)) {
                        b.convForward(x, w, g.p(), y);
                        return y.toDoubleArray();
                    }
                }));
                tests.add(op("convBackwardData " + name, true, b -> {
                    try (Tensor dy = gauss(b, 82, 1, ys); Tensor w = gauss(b, 83, 0.1, ws);
                            Tensor dx = b.allocate(xs)) {
                        b.convBackwardData(dy, w, g.p(), dx);
                        return dx.toDoubleArray();
                    }
                }));
                // dw starts at zero: the output is the call's bf16 gradient (the accumulation itself is float32)
                tests.add(op("convBackwardFilter " + name, true, b -> {
                    try (Tensor x = gauss(b, 84, 1, xs); Tensor dy = gauss(b, 85, 1, ys);
                            Tensor dw = b.allocate(ws)) {
                        b.convBackwardFilter(x, dy, g.p(), dw);
                        return dw.toDoubleArray();
                    }
                }));
            }
            // the linear layers of the 28x28 DCGAN: G 100 -> 6272, D 6272 -> 1, and the weight-gradient product
            int[][] products = {{n, 6272, 100}, {n, 1, 6272}, {6272, 100, n}};
            for (int[] mnk : products) {
                int m = mnk[0];
                int nn = mnk[1];
                int k = mnk[2];
                tests.add(op("gemm " + m + "x" + nn + "x" + k, false, b -> {
                    try (Tensor a = gauss(b, 90, 1, Shape.of(m, k)); Tensor w = gauss(b, 91, 0.1, Shape.of(k, nn));
                            Tensor c = gauss(b, 92, 1, Shape.of(m, nn))) {
                        b.gemm(false, false, 1f, a, w, 1f, c); // beta 1: c accumulates in float32
                        return c.toDoubleArray();
                    }
                }));
            }
        }
        return tests;
    }

    private static DynamicTest op(String name, boolean roundedOutput, Body body) {
        return dynamicTest(name, () -> {
            GpuTests.assumeGpu();
            String report = compare(body.run(emulated), body.run(cuda), roundedOutput);
            if (!report.isEmpty()) {
                fail(name + " (bf16, CUDA vs the CPU emulation):\n" + report);
            }
        });
    }

    @TestFactory
    Stream<DynamicTest> opsMatchTheCpuEmulation() {
        return opCases().stream();
    }

    /**
     * A batch-norm layer of the DCGANs: channels, H = W, its fused activation, and whether its input is a convolution
     * output (CUDA keeps it resident in bf16 NHWC; false: a float32 input, the fallback kernels).
     */
    record Norm(String layer, int channels, int hw, org.gan4j.backend.Activation act, boolean afterConv) {
    }

    static final org.gan4j.backend.Activation LEAKY = org.gan4j.backend.Activation.leakyRelu(0.2f);
    static final List<Norm> NORMS = List.of(
            new Norm("dcgan64 G bn1", 512, 4, org.gan4j.backend.Activation.RELU, true),
            new Norm("dcgan64 G bn2", 256, 8, org.gan4j.backend.Activation.RELU, true),
            new Norm("dcgan64 G bn3", 128, 16, org.gan4j.backend.Activation.RELU, true),
            new Norm("dcgan64 G bn4", 64, 32, org.gan4j.backend.Activation.RELU, true),
            new Norm("dcgan64 D bn2", 128, 16, LEAKY, true),
            new Norm("dcgan64 D bn3", 256, 8, LEAKY, true),
            new Norm("dcgan64 D bn4", 512, 4, LEAKY, true),
            new Norm("dcgan28 G bn2", 64, 14, org.gan4j.backend.Activation.RELU, true),
            new Norm("dcgan28 D bn2", 128, 7, LEAKY, true),
            new Norm("dcgan28 G bn1 (after the linear layer)", 128, 7, org.gan4j.backend.Activation.RELU, false),
            new Norm("12 channels (not a multiple of 8: fallback)", 12, 9, org.gan4j.backend.Activation.TANH, true));

    /**
     * {@code src} through a 1x1 convolution with identity weights: the same values rounded to bf16 on both backends
     * (each output is one exact product {@code x * 1} plus exact zeros), and on CUDA a convolution output, which the
     * bf16 path keeps resident in bf16 NHWC: the batch-norm kernels below then read bit-identical inputs.
     */
    private static Tensor convOutput(Backend b, Tensor src) {
        int c = src.dim(1);
        float[] eye = new float[c * c];
        for (int i = 0; i < c; i++) {
            eye[i * c + i] = 1f;
        }
        try (Tensor w = b.allocate(Shape.of(c, c, 1, 1))) {
            b.copyFromHost(eye, w);
            Tensor y = b.allocate(src.shape());
            b.convForward(src, w, org.gan4j.backend.ConvParams.of(1, 0), y);
            return y;
        }
    }

    /** The outputs of a training forward and backward of {@code g}'s batch norm at batch {@code n} on {@code b}. */
    private static List<double[]> batchNorm(Backend b, Norm g, int n) {
        Shape xs = Shape.of(n, g.channels(), g.hw(), g.hw());
        Shape cs = Shape.of(g.channels());
        try (Tensor x0 = gauss(b, 70, 2, xs); Tensor dy0 = gauss(b, 71, 1, xs); Tensor gamma = gauss(b, 72, 0.2, cs);
                Tensor beta = gauss(b, 73, 0.2, cs); Tensor rm = gauss(b, 74, 0.1, cs); Tensor rv = b.allocate(cs);
                Tensor x = g.afterConv() ? convOutput(b, x0) : b.allocate(xs);
                Tensor dy = g.afterConv() ? convOutput(b, dy0) : b.allocate(xs);
                Tensor y = b.allocate(xs); Tensor mean = b.allocate(cs); Tensor invStd = b.allocate(cs);
                Tensor dx = b.allocate(xs); Tensor dgamma = b.allocate(cs); Tensor dbeta = b.allocate(cs)) {
            if (!g.afterConv()) {
                b.copy(x0, x);
                b.copy(dy0, dy);
            }
            b.fill(1f, rv);
            b.batchNormTrainForward(x, gamma, beta, 1e-5f, 0.1f, g.act(), rm, rv, y, mean, invStd);
            b.batchNormTrainBackward(x, y, dy, gamma, mean, invStd, g.act(), dx, dgamma, dbeta);
            boolean resident = b instanceof CudaBackend && ((CudaStorage) dx.storage()).mirror() != null;
            double[] path = {resident ? 1 : 0};
            return List.of(y.toDoubleArray(), dx.toDoubleArray(), mean.toDoubleArray(), invStd.toDoubleArray(),
                    rm.toDoubleArray(), rv.toDoubleArray(), dgamma.toDoubleArray(), dbeta.toDoubleArray(), path);
        }
    }

    /**
     * Batch norm (training forward fused with its activation, and backward) of every DCGAN batch-norm layer at batch
     * 64 (and 2) against the emulation: on CUDA the bf16 NHWC kernels where the input is a convolution output with
     * channels a multiple of 8 (checked: the result stayed resident), the float32 kernels plus rounding elsewhere.
     *
     * <p>Tolerances: the inputs are bit-identical bf16 values ({@link #convOutput}). Statistics (mean, inv_std,
     * running mean and variance) and dgamma/dbeta are sums in double (CPU: two passes in double; CUDA: double
     * partial sums of float products, xhat in float), so they differ by float32 rounding of the terms, far under
     * {@link #ACCUMULATION} ({@code 2^-12} of the largest value). {@code y} and {@code dx} are float32 results of
     * those (a few float32 ulps apart, {@code 2^-22} relative) rounded to bf16: equal but for rare one-ulp flips
     * where the float32 values straddle a rounding boundary (probability about {@code 2^-22 / 2^-8}, far under
     * {@link #MAX_FLIPS}). The backward reads {@code y}, which may carry such a flip: for ReLU and leaky ReLU only
     * its sign matters, which a flip keeps; the tanh case (fallback geometry) sees {@code 1 - y^2} move by
     * {@code 2 |y| 2^-8} in those rare elements, inside one bf16 ulp of dx plus the accumulation allowance.
     */
    @TestFactory
    Stream<DynamicTest> batchNormOnResidentBf16MatchesTheCpuEmulation() {
        List<DynamicTest> tests = new ArrayList<>();
        String[] parts = {"y", "dx", "saveMean", "saveInvStd", "runningMean", "runningVar", "dgamma", "dbeta"};
        for (int n : new int[] {64, 2}) {
            for (Norm g : NORMS) {
                tests.add(dynamicTest("batchNorm " + g.layer() + " N " + n, () -> {
                    GpuTests.assumeGpu();
                    List<double[]> ref = batchNorm(emulated, g, n);
                    List<double[]> got = batchNorm(cuda, g, n);
                    boolean expectResident = g.afterConv() && g.channels() % 8 == 0;
                    assertEquals(expectResident ? 1.0 : 0.0, got.get(parts.length)[0],
                            "CUDA's dx stayed resident in bf16 NHWC (the bf16 NHWC kernels ran)");
                    StringBuilder report = new StringBuilder();
                    for (int k = 0; k < parts.length; k++) {
                        String r = compare(ref.get(k), got.get(k), k < 2); // y, dx rounded to bf16
                        if (!r.isEmpty()) {
                            report.append(parts[k]).append(": ").append(r);
                        }
                    }
                    if (report.length() > 0) {
                        fail(g.layer() + " N " + n + " (bf16, CUDA vs the CPU emulation):\n" + report);
                    }
                }));
            }
        }
        return tests.stream();
    }

    /**
     * The resident bf16 copy never hides a float32 write: a convolution output (resident), overwritten by a float32
     * op (fill), then read by a convolution and by the host, gives the filled values; a resident output read by the
     * host first is its convolution's result (the copy converted back).
     */
    @Test
    void residentCopyFollowsFloat32Writes() {
        GpuTests.assumeGpu();
        Shape xs = Shape.of(2, 16, 5, 5);
        try (Tensor x0 = gauss(cuda, 60, 1, xs); Tensor y = convOutput(cuda, x0)) {
            assertTrue(((CudaStorage) y.storage()).mirror() != null, "a convolution output is resident");
            float[] want = x0.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                want[i] = org.gan4j.tensor.BFloat16.round(want[i]);
            }
            assertArrayEquals(want, y.toFloatArray(), "identity convolution of x0, read back");
            assertTrue(((CudaStorage) y.storage()).mirror() == null, "a float32 read drops the copy");
            try (Tensor z = convOutput(cuda, y)) {
                assertTrue(((CudaStorage) z.storage()).mirror() != null, "z is resident");
                cuda.fill(3f, z); // a float32 write over a resident tensor
                try (Tensor u = convOutput(cuda, z)) {
                    float[] threes = new float[want.length];
                    java.util.Arrays.fill(threes, 3f);
                    assertArrayEquals(threes, u.toFloatArray(), "a convolution reads the float32 write");
                    assertArrayEquals(want, y.toFloatArray(), "the earlier output is untouched");
                }
            }
        }
    }

    /**
     * Allowed |cuda - emulated| for a metric of step {@code s}, relative to max(1, |emulated|).
     *
     * <p>Step 1: a loss or D output averages many logits, each within one bf16 ulp ({@code 2^-7}) in at most 1% of
     * elements and {@code 2^-12} otherwise, so the average moves by under {@code 2^-12 + 0.01 * 2^-7}, about 3e-4;
     * the bound 2e-3 leaves room for layers compounding it and still fails a wrong kernel or different noise (O(0.1)).
     * Gradient norms (sums of squares over every gradient, each weight gradient a bf16 rounding of its own) get 1e-2.
     * Then the trajectories drift apart (Adam turns small gradient differences into lr-sized updates; GAN training
     * amplifies them). Measured on the CPU (2026-11-30, this suite's DCGAN28 run): the bf16 emulation against plain
     * float32, a larger perturbation than CUDA against the emulation (every element rounded, not 1% flipped),
     * differed over steps 2-20 by at most 1.0e-2 on losses and D outputs (lossG, step 13) and 2.9e-2 on gradient norms
     * (|grad G|, step 11), 8e-3 at step 2. The bounds grow linearly, 1.5e-3 per step on losses and D outputs and
     * 4e-3 on norms: 2.0e-2 and 5.0e-2 at those steps, about twice the bf16-vs-float32 difference.
     */
    static double tolerance(int metric, int s) {
        boolean norm = TrainingRun.NAMES[metric].startsWith("|grad");
        return norm ? 1e-2 + 4e-3 * (s - 1) : 2e-3 + 1.5e-3 * (s - 1);
    }

    @Test
    void twentyDcgan28StepsMatchTheCpuEmulation() {
        GpuTests.assumeGpu();
        List<StepMetrics> ref;
        List<StepMetrics> got;
        try (TrainingRun r = new TrainingRun(emulated)) {
            ref = r.run(CudaTrainingParityTest.STEPS);
        }
        try (TrainingRun r = new TrainingRun(cuda)) {
            got = r.run(CudaTrainingParityTest.STEPS);
        }
        StringBuilder report = new StringBuilder();
        for (int s = 1; s <= ref.size(); s++) {
            double[] a = TrainingRun.values(ref.get(s - 1));
            double[] b = TrainingRun.values(got.get(s - 1));
            for (int k = 0; k < a.length; k++) {
                double allowed = tolerance(k, s) * Math.max(1, Math.abs(a[k]));
                if (!(Math.abs(b[k] - a[k]) <= allowed)) {
                    report.append(String.format(Locale.ROOT, "  step %d %s: emulated %.7g, cuda %.7g, diff %.3g, "
                            + "allowed %.3g%n", s, TrainingRun.NAMES[k], a[k], b[k], Math.abs(b[k] - a[k]), allowed));
                }
            }
        }
        if (report.length() > 0) {
            fail("bf16 DCGAN28 training on CUDA left the CPU emulation's trajectory:\n" + report);
        }
    }

    /**
     * The conversion kernels (bf16.cu) round exactly as {@link org.gan4j.tensor.BFloat16#round} (the emulation's
     * rounding) and transpose NCHW to NHWC and back: hand values (ties to even, subnormals, overflow, infinities,
     * NaN) and random ones in shapes that cross the 32x32 tiles' edges; the round trip must give each rounded value
     * at its own index, bit for bit (any NaN for a NaN), and {@code accumulate} adds it to what was there.
     */
    @Test
    void conversionKernelsRoundAndTransposeAsTheCpu() {
        GpuTests.assumeGpu();
        float[] hand = {1f + 0x1p-8f, 1f + 3 * 0x1p-8f, Float.intBitsToFloat(0x3f808001), (float) Math.PI, 0.1f,
            Float.MIN_VALUE, 0x1.8p-133f, Float.intBitsToFloat(0x7f7f8000), Float.MAX_VALUE, -Float.MAX_VALUE,
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f};
        int[][] shapes = {{2, 5, 21}, {3, 40, 33}, {1, 64, 1024}, {512, 3, 16}};
        try (CudaBackend b = CudaBackend.create(0, Precision.BF16, false)) {
            for (int[] shape : shapes) {
                int n = shape[0];
                int c = shape[1];
                int sp = shape[2];
                int size = n * c * sp;
                float[] data = CudaParityTest.Ctx.gaussData(size, size, 0, 3);
                System.arraycopy(hand, 0, data, 0, Math.min(hand.length, size));
                float[] base = CudaParityTest.Ctx.gaussData(size + 1, size, 0, 1);
                Shape s4 = Shape.of(n, c, sp, 1);
                try (Tensor x = b.allocate(s4); Tensor y = b.allocate(s4); Tensor z = b.allocate(s4);
                        DeviceBuffer nhwc = DeviceBuffer.allocate(2L * size, "test bf16 buffer")) {
                    b.copyFromHost(data, x);
                    b.copyFromHost(base, z);
                    assertEquals(0, CudaKernels.gan4j_to_bf16_nhwc(CudaBackend.ptr(x), n, c, sp, nhwc.pointer(0),
                            b.stream()));
                    assertEquals(0, CudaKernels.gan4j_from_bf16_nhwc(nhwc.pointer(0), n, c, sp, 0,
                            CudaBackend.ptr(y), b.stream()));
                    assertEquals(0, CudaKernels.gan4j_from_bf16_nhwc(nhwc.pointer(0), n, c, sp, 1,
                            CudaBackend.ptr(z), b.stream()));
                    float[] got = y.toFloatArray();
                    float[] added = z.toFloatArray();
                    assertEquals(0, CudaKernels.gan4j_round_bf16(CudaBackend.ptr(x), CudaBackend.ptr(x), size,
                            b.stream()));
                    float[] rounded = x.toFloatArray();
                    for (int i = 0; i < size; i++) {
                        float want = org.gan4j.tensor.BFloat16.round(data[i]);
                        assertEquals(want, got[i], 0f, "NHWC round trip [" + i + "] of " + data[i] + " " + s4);
                        assertEquals(want, rounded[i], 0f, "gan4j_round_bf16 [" + i + "] of " + data[i]);
                        assertEquals(base[i] + want, added[i], 0f, "accumulate [" + i + "]");
                    }
                }
            }
        }
    }

    /** A bf16 step captured as a CUDA graph replays the eager steps bit for bit (deterministic algorithms). */
    @Test
    void graphReplayedBf16TrainingMatchesEagerBitForBit() {
        GpuTests.assumeGpu();
        int steps = 6;
        try (CudaBackend b = CudaBackend.create(0, Precision.BF16, true)) {
            List<StepMetrics> eager;
            float[] eagerG;
            try (TrainingRun r = new TrainingRun(b)) {
                eager = r.run(steps);
                eagerG = r.generator.parameters().toFloatArray();
            }
            try (TrainingRun r = new TrainingRun(b)) {
                assertTrue(r.trainer.useCudaGraph(true), "bf16 CUDA uses a graph");
                List<StepMetrics> graphed = r.run(steps);
                for (int s = 0; s < steps; s++) {
                    assertArrayEquals(TrainingRun.values(eager.get(s)), TrainingRun.values(graphed.get(s)),
                            "metrics of step " + (s + 1));
                }
                assertArrayEquals(eagerG, r.generator.parameters().toFloatArray(), "G's parameters");
            }
        }
    }

    /**
     * The convolutions cuDNN chose for the bf16 DCGAN layers run on tensor cores: the measured algorithm of every
     * direction (forward, backward data, backward filter) of a layer whose channel counts are multiples of 8 has a
     * tensor-op math type. (Nsight Compute in
     * scripts/gpu-check.sh shows the kernel names too.)
     */
    @Test
    void bf16ConvolutionsChooseTensorCoreAlgorithms() {
        GpuTests.assumeGpu();
        List<String> notTensor = new ArrayList<>();
        try (CudaBackend b = CudaBackend.create(0, Precision.BF16, false)) {
            for (CudaParityTest.Conv g : CudaParityTest.CONVS) {
                if (g.cin() % 8 != 0 || g.cout() % 8 != 0) {
                    continue;
                }
                Shape xs = g.x(64);
                Shape ws = g.w();
                Shape ys = g.p().outputShape(xs, ws);
                try (Tensor x = b.allocate(xs); Tensor w = b.allocate(ws); Tensor y = b.allocate(ys)) {
                    b.convForward(x, w, g.p(), y);
                    b.convBackwardData(y, w, g.p(), x);
                    b.convBackwardFilter(x, y, g.p(), w);
                }
            }
            b.synchronize();
            for (ConvPlan plan : b.convPlans()) {
                for (ConvPlan.Direction d : ConvPlan.Direction.values()) {
                    ConvPlan.Algo a = plan.measuredAlgo(d);
                    if (plan.usesFallback(d)) {
                        notTensor.add(d + " " + plan + ": no bf16 algorithm, float32 fallback");
                        continue;
                    }
                    assertTrue(a != null, d + " of " + plan + " was measured");
                    if (!a.tensorCores()) {
                        notTensor.add(d + " " + plan + ": algo " + a.algo() + ", math " + a.mathType());
                    }
                }
            }
        }
        assertEquals(List.of(), notTensor, "bf16 convolutions without tensor cores");
    }
}
