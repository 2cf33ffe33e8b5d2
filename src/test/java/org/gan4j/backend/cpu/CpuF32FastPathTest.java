package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.floats;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The F32 fast paths (the native convolution kernels where they run, and bulk im2col/col2im over Java arrays +
 * OpenBLAS, the portable path, each on its own backend) against the F64 reference loops, on the geometries the
 * gradient checks use (odd strides, padding, non-square, chunked workspaces) and on DCGAN layer shapes. Inputs are
 * floats, so both backends see the same values; the only differences are F32 rounding of the products and sums, held
 * to {@code terms * u * sum|products| + u |exact|} (u = 2^-24; standard forward error bound of a float dot product of
 * {@code terms} terms, whatever the order of summation and with or without fused multiply-adds), which a wrong index
 * or a lost term exceeds by orders of magnitude.
 */
class CpuF32FastPathTest {
    private static final double U = Math.scalb(1.0, -24);
    private static CpuBackend f32;
    /** The portable path (im2col + OpenBLAS for every convolution), also checked where the native kernels run. */
    private static CpuBackend blas;
    /** Batch norm, bias + activation and Adam as Java loops (f32 runs them natively where the library loads). */
    private static CpuBackend javaLoops;
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f32 = CpuBackend.create(2);
        f32.winograd(false); // the direct kernels' sums, for this bound; Winograd's own is WinogradConvTest's
        blas = CpuBackend.create(2, false);
        javaLoops = CpuBackend.create(2, true, false);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f32.close();
        blas.close();
        javaLoops.close();
        f64.close();
    }

    private interface ConvOp {
        void run(Backend b, Tensor in1, Tensor in2, Tensor out);
    }

    private static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }

    private static double[] run(Backend b, ConvOp op, Shape s1, float[] v1, Shape s2, float[] v2, Shape so) {
        try (Tensor a = b.allocate(s1); Tensor c = b.allocate(s2); Tensor o = b.allocate(so)) {
            b.copyFromHost(v1, a);
            b.copyFromHost(v2, c);
            b.fill(0f, o); // the filter gradient accumulates onto it; the other ops overwrite it
            op.run(b, a, c, o);
            return o.toDoubleArray();
        }
    }

    private static void compare(String what, ConvOp op, Shape s1, float[] v1, Shape s2, float[] v2, Shape so,
            int terms, long workspace) {
        double[] hi = run(f64, op, s1, v1, s2, v2, so);
        double[] absSum = run(f64, op, s1, abs(v1), s2, abs(v2), so);
        for (CpuBackend b : new CpuBackend[] {f32, blas}) {
            long saved = b.convWorkspaceTarget;
            b.convWorkspaceTarget = workspace;
            double[] lo;
            try {
                lo = run(b, op, s1, v1, s2, v2, so);
            } finally {
                b.convWorkspaceTarget = saved;
            }
            for (int i = 0; i < hi.length; i++) {
                double err = Math.abs(lo[i] - hi[i]);
                if (!(err <= terms * U * absSum[i] + U * Math.abs(hi[i]))) {
                    fail(what + (b == blas ? " (im2col + OpenBLAS)" : "") + ": element " + i + " F32 " + lo[i]
                            + " F64 " + hi[i] + " bound " + (terms * U * absSum[i]));
                }
            }
        }
    }

    private static void checkConv(int n, int cin, int h, int w, int cout, int kh, int kw, ConvParams p, long seed,
            long workspace) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, kh, kw);
        Shape ys = p.outputShape(xs, ws);
        float[] x = floats(r, xs.size());
        float[] wv = floats(r, ws.size());
        float[] dy = floats(r, ys.size());
        String what = "x " + xs + " w " + ws + " " + p + " workspace " + workspace;
        compare("forward " + what, (b, a, c, o) -> b.convForward(a, c, p, o), xs, x, ws, wv, ys, cin * kh * kw,
                workspace);
        compare("backward data " + what, (b, a, c, o) -> b.convBackwardData(a, c, p, o), ys, dy, ws, wv, xs,
                cout * kh * kw, workspace);
        compare("backward filter " + what, (b, a, c, o) -> b.convBackwardFilter(a, c, p, o), xs, x, ys, dy, ws,
                n * ys.dim(2) * ys.dim(3), workspace);
    }

    @Test
    void convolutionFastPathMatchesTheReferenceOnAwkwardGeometries() {
        long big = Long.MAX_VALUE / 4;
        checkConv(2, 3, 5, 5, 4, 3, 3, ConvParams.of(1, 1), 1, big); // stride 1: the row-copy branch
        checkConv(2, 2, 8, 8, 3, 4, 4, ConvParams.of(2, 1), 2, big);
        checkConv(3, 2, 7, 6, 2, 3, 2, new ConvParams(2, 1, 1, 0), 3, big);
        checkConv(2, 1, 6, 6, 2, 2, 2, ConvParams.of(3, 2), 4, big); // rows entirely in the padding
        checkConv(2, 2, 5, 5, 3, 5, 5, ConvParams.of(1, 0), 5, big);
        checkConv(2, 2, 6, 6, 3, 3, 3, ConvParams.of(2, 0), 6, big);
        checkConv(2, 2, 3, 3, 2, 3, 3, ConvParams.of(1, 2), 7, big); // padding wider than the image's reach
        checkConv(3, 2, 8, 8, 3, 4, 4, ConvParams.of(2, 1), 8, 1); // one sample per chunk
        checkConv(3, 2, 8, 8, 3, 4, 4, ConvParams.of(2, 1), 9, 2 * 560); // chunks of 2 and 1
    }

    /**
     * Geometries for the native kernels (which take passes with 8 or more output channels): channel counts that are
     * not multiples of the 16-channel panel, pixel and tap counts that are not multiples of the 6-column tile, stride
     * 1, 2 and 3, non-square kernels and strides, padding wider than the kernel's reach, phases of the data gradient
     * with no taps (stride above the kernel size), batch 1, and chunked workspaces.
     */
    @Test
    void nativeKernelsMatchTheReferenceOnAwkwardGeometries() {
        long big = Long.MAX_VALUE / 4;
        long before = f32.nativeConvolutionPasses();
        checkConv(2, 9, 5, 5, 12, 3, 3, ConvParams.of(1, 1), 21, big);
        checkConv(1, 8, 8, 8, 17, 4, 4, ConvParams.of(2, 1), 22, big); // batch 1, one channel past a panel
        checkConv(3, 10, 7, 6, 9, 3, 2, new ConvParams(2, 1, 1, 0), 23, big);
        checkConv(2, 8, 6, 6, 8, 2, 2, ConvParams.of(3, 2), 24, big); // rows in the padding, taps-free phases
        checkConv(2, 11, 5, 5, 13, 5, 5, ConvParams.of(1, 0), 25, big);
        checkConv(2, 8, 9, 7, 10, 3, 3, ConvParams.of(2, 0), 26, big); // odd sizes: the last row and column unread
        checkConv(2, 8, 3, 3, 8, 3, 3, ConvParams.of(1, 2), 27, big); // padding wider than the image's reach
        checkConv(2, 8, 7, 7, 8, 1, 1, ConvParams.of(2, 0), 28, big); // 1x1, stride 2
        checkConv(3, 16, 8, 8, 32, 4, 4, ConvParams.of(2, 1), 29, 1); // one sample per chunk
        checkConv(5, 12, 8, 8, 20, 4, 4, ConvParams.of(2, 1), 30, 2 * 12 * 100); // chunks of 2, 2 and 1
        if (f32.nativeConvolutions() && f32.nativeConvolutionPasses() - before != 30) {
            fail("expected 30 native passes (3 per geometry), ran " + (f32.nativeConvolutionPasses() - before));
        }
    }

    /**
     * Geometries for the few-channel kernels ({@code smallconv.cpp}: the data and filter gradients with
     * {@code Cin <= 3}, and the forward pass where it has under 32 taps or under 8 output channels): 1, 2 and 3 input
     * channels; {@code Cout} not a multiple of the tiles' 3, 4 or 6 channels, and one;
     * pixel counts not a multiple of a vector; images wider than a block (one output row per item); stride 1, 2 and
     * 3; non-square kernels, strides and paddings; padding wider than the kernel's reach; data-gradient phases with no
     * taps and groups of 3 and 2 phases (stride 3: 9 phases); batch 1; chunked workspaces; the 4x4 stride-2 data
     * gradient by tap products (input twice the output) over several blocks of dy rows with a short last one, and
     * beside it the phase grid where that kernel's buffers are too small (Cout 257, a 160-pixel row); the 4x4 stride-2
     * filter gradient from taps gathered with padding 0, 1 (odd and even sizes) and 2. The last
     * geometry's lowered row (147 taps x 128 pixels) exceeds the kernels' stack buffer: its forward pass and filter
     * gradient fall back to im2col + OpenBLAS, its data gradient stays native.
     */
    @Test
    void smallChannelKernelsMatchTheReferenceOnAwkwardGeometries() {
        long big = Long.MAX_VALUE / 4;
        long before = f32.nativeConvolutionPasses();
        checkConv(2, 1, 9, 11, 7, 4, 4, ConvParams.of(2, 1), 41, big);
        checkConv(3, 2, 10, 7, 13, 3, 3, ConvParams.of(1, 1), 42, big); // stride 1: one phase
        checkConv(1, 3, 13, 12, 5, 4, 4, ConvParams.of(2, 1), 43, big); // batch 1
        checkConv(2, 1, 8, 8, 1, 4, 4, ConvParams.of(2, 1), 44, big); // one output channel
        checkConv(2, 3, 11, 10, 6, 3, 2, new ConvParams(2, 1, 1, 0), 45, big); // non-square kernel, stride, padding
        checkConv(2, 2, 9, 9, 4, 2, 2, ConvParams.of(3, 2), 46, big); // 9 phases, some without taps; pad > reach
        checkConv(2, 1, 10, 8, 3, 3, 3, ConvParams.of(3, 1), 47, big); // 9 phases in groups of 4, 4 and 1
        checkConv(2, 1, 5, 5, 3, 5, 5, ConvParams.of(1, 0), 48, big);
        checkConv(2, 1, 3, 3, 4, 3, 3, ConvParams.of(1, 2), 49, big); // padding wider than the image's reach
        checkConv(2, 3, 6, 300, 9, 4, 4, ConvParams.of(2, 1), 50, big); // 150 output columns: one row per item
        checkConv(3, 1, 28, 28, 64, 4, 4, ConvParams.of(2, 1), 51, 1); // one sample per chunk
        checkConv(5, 3, 16, 16, 20, 4, 4, ConvParams.of(2, 1), 52, 2 * 3 * 18 * 18); // forward in chunks of 2
        checkConv(2, 2, 46, 46, 7, 4, 4, ConvParams.of(2, 1), 54, big); // tap products: dy rows in blocks 11, 11, 1
        checkConv(1, 1, 8, 8, 257, 4, 4, ConvParams.of(2, 1), 55, big); // Cout over the packed tile: phase grid
        checkConv(1, 3, 4, 320, 2, 4, 4, ConvParams.of(2, 1), 56, big); // a dy row over the products' buffer
        checkConv(2, 2, 10, 9, 5, 4, 4, ConvParams.of(2, 0), 57, big); // gathered taps: no padding, a column unread
        checkConv(2, 1, 7, 7, 3, 4, 4, ConvParams.of(2, 2), 58, big); // gathered taps: padding 2
        if (f32.nativeConvolutions() && f32.nativeConvolutionPasses() - before != 51) {
            fail("expected 51 native passes (3 per geometry), ran " + (f32.nativeConvolutionPasses() - before));
        }
        before = f32.nativeConvolutionPasses();
        checkConv(1, 3, 9, 250, 5, 7, 7, ConvParams.of(2, 3), 53, big); // 147 x 128 floats: over the stack buffer
        if (f32.nativeConvolutions() && f32.nativeConvolutionPasses() - before != 1) {
            fail("expected only the data gradient native, ran " + (f32.nativeConvolutionPasses() - before));
        }
    }

    @Test
    void convolutionFastPathMatchesTheReferenceOnDcganShapes() {
        long big = Long.MAX_VALUE / 4;
        checkConv(4, 1, 28, 28, 64, 4, 4, ConvParams.of(2, 1), 11, big); // D28 conv1 / G28's last ConvT
        checkConv(4, 64, 14, 14, 128, 4, 4, ConvParams.of(2, 1), 12, big); // D28 conv2 / G28's first ConvT
        checkConv(2, 512, 4, 4, 100, 4, 4, ConvParams.of(1, 0), 13, big); // G64's first ConvT
        checkConv(2, 512, 4, 4, 1, 4, 4, ConvParams.of(1, 0), 16, big); // D64 conv5: data gradient native, 16x taps
        checkConv(2, 3, 64, 64, 64, 4, 4, ConvParams.of(2, 1), 14, big); // D64 conv1 / G64's last ConvT
        checkConv(2, 128, 16, 16, 256, 4, 4, ConvParams.of(2, 1), 15, big); // D64 conv3 / G64's ConvT
    }

    // ---------------------------------------------------------------- memory-bound ops
    // The F32 paths evaluate the reference's formulas in double, in the reference's order, on the same float inputs,
    // and round once on store: each F32 output must equal the F64 result rounded to float, exactly.

    private static final Activation[] ACTS = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f),
            Activation.TANH, Activation.SIGMOID};

    /** Runs {@code op} on both backends over the same float inputs; returns {F32 outputs, F64 outputs} per output. */
    private interface ManyOp {
        void run(Backend b, Tensor[] in, Tensor[] out);
    }

    /** Runs {@code op} on {@code b} over the given inputs and starting outputs; returns the outputs. */
    private static double[][] runMany(Backend b, ManyOp op, Shape[] inShapes, float[][] inValues, Shape[] outShapes,
            float[][] outStart) {
        Tensor[] in = new Tensor[inShapes.length];
        Tensor[] out = new Tensor[outShapes.length];
        try {
            for (int i = 0; i < in.length; i++) {
                in[i] = b.allocate(inShapes[i]);
                b.copyFromHost(inValues[i], in[i]);
            }
            for (int i = 0; i < out.length; i++) {
                out[i] = b.allocate(outShapes[i]);
                b.copyFromHost(outStart[i], out[i]);
            }
            op.run(b, in, out);
            double[][] results = new double[out.length][];
            for (int i = 0; i < out.length; i++) {
                results[i] = out[i].toDoubleArray();
            }
            return results;
        } finally {
            for (Tensor t : in) {
                if (t != null) {
                    t.close();
                }
            }
            for (Tensor t : out) {
                if (t != null) {
                    t.close();
                }
            }
        }
    }

    /** Each F32 path (native loops where they load, Java loops) against the F64 reference rounded to float. */
    private static void compareExact(String what, ManyOp op, Shape[] inShapes, float[][] inValues,
            Shape[] outShapes, float[][] outStart) {
        double[][] reference = runMany(f64, op, inShapes, inValues, outShapes, outStart);
        for (CpuBackend fast : new CpuBackend[] {f32, javaLoops}) {
            double[][] got = runMany(fast, op, inShapes, inValues, outShapes, outStart);
            String path = fast.nativeLoops() ? " (native loops)" : " (Java loops)";
            for (int o = 0; o < outShapes.length; o++) {
                for (int i = 0; i < got[o].length; i++) {
                    float expected = (float) reference[o][i];
                    if (Float.floatToIntBits((float) got[o][i]) != Float.floatToIntBits(expected)
                            && !(got[o][i] == 0 && expected == 0)) {
                        fail(what + path + ": output " + o + " element " + i + " F32 " + got[o][i]
                                + ", F64 rounded " + expected);
                    }
                }
            }
        }
    }

    private static float[] positive(SplittableRandom r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (0.5 + r.nextDouble());
        }
        return v;
    }

    @Test
    void biasActivationFastPathEqualsTheReferenceRounded() {
        SplittableRandom r = new SplittableRandom(21);
        // (N, C, H, W) with large planes, (N, C) with one-value planes (grouped), a plane size that does not divide
        // the group of 256, and one split over the threads with channel counts per range that are not multiples of
        // the native loops' groups of 4 channels.
        Shape[] shapes = {Shape.of(3, 4, 9, 9), Shape.of(5, 7), Shape.of(2, 3, 5, 5), Shape.of(600, 3),
            Shape.of(8, 13, 12, 12)};
        for (Shape xs : shapes) {
            Shape cs = Shape.of(xs.dim(1));
            for (Activation act : ACTS) {
                for (boolean withBias : new boolean[] {true, false}) {
                    String what = "bias+act " + xs + " " + act + " bias " + withBias;
                    compareExact(what + " forward", (b, in, out) -> b.biasActivationForward(in[0],
                            withBias ? in[1] : null, act, out[0]), new Shape[] {xs, cs},
                            new float[][] {floats(r, xs.size()), floats(r, cs.size())}, new Shape[] {xs},
                            new float[][] {new float[xs.size()]});
                    // y is an input here (any values in the activation's range), so both see the same y.
                    float[] y = act == Activation.TANH || act == Activation.SIGMOID ? positive(r, xs.size())
                            : floats(r, xs.size());
                    if (act == Activation.TANH || act == Activation.SIGMOID) {
                        for (int i = 0; i < y.length; i++) {
                            y[i] -= 0.6f; // into (-0.1, 0.9): inside both ranges
                        }
                    }
                    compareExact(what + " backward", (b, in, out) -> b.biasActivationBackward(in[0], in[1], act,
                            out[0], withBias ? out[1] : null), new Shape[] {xs, xs},
                            new float[][] {y, floats(r, xs.size())}, new Shape[] {xs, cs},
                            new float[][] {new float[xs.size()], floats(r, cs.size())});
                }
            }
        }
    }

    @Test
    void batchNormFastPathEqualsTheReferenceRounded() {
        SplittableRandom r = new SplittableRandom(22);
        // (8, 64, 7, 7) and (8, 13, 12, 12) are split over the threads; 13 channels leave ranges that are not
        // multiples of the native loops' groups of 4 channels; (5, 37): features (one value per sample and channel),
        // which the native loops take 16 channels at a time, plus a remainder.
        Shape[] shapes = {Shape.of(4, 3, 5, 5), Shape.of(6, 10), Shape.of(2, 5, 1, 1), Shape.of(8, 64, 7, 7),
            Shape.of(8, 13, 12, 12), Shape.of(5, 37)};
        for (Shape xs : shapes) {
            int c = xs.dim(1);
            Shape cs = Shape.of(c);
            for (Activation act : ACTS) {
                String what = "batch norm " + xs + " " + act;
                float[] x = floats(r, xs.size());
                compareExact(what + " forward", (b, in, out) -> b.batchNormTrainForward(in[0], in[1], in[2], 1e-5f,
                        0.1f, act, out[1], out[2], out[0], out[3], out[4]), new Shape[] {xs, cs, cs},
                        new float[][] {x, positive(r, c), floats(r, c)}, new Shape[] {xs, cs, cs, cs, cs},
                        new float[][] {new float[xs.size()], floats(r, c), positive(r, c), new float[c],
                                new float[c]});
                // Backward: x, y, dy, gamma, mean, invStd are all given as inputs.
                float[] y = floats(r, xs.size());
                if (act == Activation.TANH || act == Activation.SIGMOID) {
                    y = positive(r, xs.size());
                    for (int i = 0; i < y.length; i++) {
                        y[i] -= 0.6f;
                    }
                }
                compareExact(what + " backward", (b, in, out) -> b.batchNormTrainBackward(in[0], in[1], in[2], in[3],
                        in[4], in[5], act, out[0], out[1], out[2]), new Shape[] {xs, xs, xs, cs, cs, cs},
                        new float[][] {x, y, floats(r, xs.size()), positive(r, c), floats(r, c), positive(r, c)},
                        new Shape[] {xs, cs, cs}, new float[][] {new float[xs.size()], floats(r, c), floats(r, c)});
            }
        }
    }

    @Test
    void nativeLoopsAreThePathTakenWhereBuilt() {
        // The cpu-native profile sets the property on x86-64, so the exactness checks above cannot silently run the
        // Java loops twice.
        assumeTrue(Boolean.getBoolean("gan4j.cpu.native.expected"), "built without the cpu-native profile");
        assertTrue(f32.nativeLoops(), f32.deviceDescription());
        assertFalse(javaLoops.nativeLoops());
    }

    @Test
    void activationsOfSpecialValuesEqualTheReference() {
        // NaN, infinities and signed zeros through bias + activation (no bias: x itself is activated), both ways.
        float[] special = {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 0f, -0f, Float.MIN_VALUE,
            -Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE, 1f, -1f, 3.5f};
        Shape xs = Shape.of(2, special.length / 2, 1, 1);
        float[] dy = new float[special.length];
        java.util.Arrays.fill(dy, 1.25f);
        dy[0] = Float.NaN;
        dy[1] = -0f;
        for (Activation act : new Activation[] {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f),
            Activation.leakyRelu(0f), Activation.leakyRelu(1f)}) {
            compareExact("bias+act special values " + act + " forward", (b, in, out) -> b.biasActivationForward(
                    in[0], null, act, out[0]), new Shape[] {xs}, new float[][] {special}, new Shape[] {xs},
                    new float[][] {new float[xs.size()]});
            compareExact("bias+act special values " + act + " backward", (b, in, out) -> b.biasActivationBackward(
                    in[0], in[1], act, out[0], out[1]), new Shape[] {xs, xs}, new float[][] {special, dy},
                    new Shape[] {xs, Shape.of(xs.dim(1))}, new float[][] {new float[xs.size()], new float[xs.dim(1)]});
        }
    }

    /**
     * Batch norm, bias + activation, Adam and the sum of squares give the same bits on 1, 2 and 3 threads (each
     * channel's sums, each element and each block of squares are computed by one range in a fixed order, whatever the
     * split).
     */
    @Test
    void memoryBoundOpsGiveTheSameBitsForAnyThreadCount() {
        // Images, and features (one value per sample and channel: 53 channels, 16 at a time natively), each large
        // enough for parallelFor to split the ops two or three ways.
        sameBitsForAnyThreadCount(Shape.of(32, 21, 14, 14));
        sameBitsForAnyThreadCount(Shape.of(700, 53));
    }

    private static void sameBitsForAnyThreadCount(Shape xs) {
        SplittableRandom r = new SplittableRandom(24);
        int channels = xs.dim(1);
        Shape cs = Shape.of(channels);
        Shape ps = Shape.of(70_001);
        float[] x = floats(r, xs.size());
        float[] y = floats(r, xs.size());
        float[] dy = floats(r, xs.size());
        float[] gamma = positive(r, channels);
        float[] beta = floats(r, channels);
        float[] p = floats(r, ps.size());
        float[] g = floats(r, ps.size());
        float[] m = floats(r, ps.size());
        float[] v = positive(r, ps.size());
        Activation act = Activation.leakyRelu(0.2f);
        ManyOp all = (b, in, out) -> {
            b.biasActivationForward(in[0], in[3], act, out[0]);
            b.biasActivationBackward(in[1], in[2], act, out[1], out[2]);
            b.batchNormTrainForward(in[0], in[3], in[4], 1e-5f, 0.1f, act, out[3], out[4], out[5], out[6], out[7]);
            b.batchNormTrainBackward(in[0], in[1], in[2], in[3], out[6], out[7], act, out[8], out[9], out[10]);
            b.adamStep(in[5], 2e-4f, 0.5f, 0.999f, 1e-8f, 0.01f, out[11], out[12], out[13], out[14]);
            b.sumOfSquares(in[5], out[15]);
        };
        Shape[] inShapes = {xs, xs, xs, cs, cs, ps};
        float[][] inValues = {x, y, dy, gamma, beta, g};
        Shape[] outShapes = {xs, xs, cs, cs, cs, xs, cs, cs, xs, cs, cs, ps, ps, ps, Shape.of(1), Shape.of(1)};
        float[][] outStart = {new float[xs.size()], new float[xs.size()], new float[channels],
            new float[channels], positive(r, channels), new float[xs.size()], new float[channels],
            new float[channels], new float[xs.size()], new float[channels], new float[channels], p, m, v,
            new float[] {2}, new float[1]};
        double[][] one;
        try (CpuBackend b = CpuBackend.create(1)) {
            one = runMany(b, all, inShapes, inValues, outShapes, outStart);
        }
        for (int threads : new int[] {2, 3}) {
            try (CpuBackend b = CpuBackend.create(threads)) {
                double[][] many = runMany(b, all, inShapes, inValues, outShapes, outStart);
                for (int o = 0; o < one.length; o++) {
                    for (int i = 0; i < one[o].length; i++) {
                        if (Double.doubleToLongBits(one[o][i]) != Double.doubleToLongBits(many[o][i])) {
                            fail(xs + " output " + o + " element " + i + ": 1 thread " + one[o][i] + ", "
                                    + threads + " threads " + many[o][i]);
                        }
                    }
                }
            }
        }
    }

    /**
     * The sum of squares, split over threads in blocks, against the sum in double of the same floats: the blocked
     * double sum differs from it by rounding in double only (relative 1e-16 per add, n = 70,001), so the float result
     * is the exact sum rounded to float, or its neighbour where the exact sum lies that close to a rounding boundary:
     * within one float ulp.
     */
    @Test
    void sumOfSquaresSplitOverThreadsMatchesTheDoubleSum() {
        SplittableRandom r = new SplittableRandom(25);
        for (int n : new int[] {1, 16_384, 70_001}) {
            float[] x = floats(r, n);
            double exact = 0;
            for (float v : x) {
                exact += (double) v * v;
            }
            try (CpuBackend b = CpuBackend.create(3)) {
                Tensor t = b.allocate(Shape.of(n));
                Tensor out = b.allocate(Shape.of(1));
                b.copyFromHost(x, t);
                b.sumOfSquares(t, out);
                float[] got1 = new float[1];
                b.copyToHost(out, got1);
                float got = got1[0];
                assertTrue(Math.abs(got - exact) <= Math.ulp((float) exact), "n " + n + ": " + got + " vs " + exact);
            }
        }
    }

    @Test
    void adamFastPathEqualsTheReferenceRounded() {
        SplittableRandom r = new SplittableRandom(23);
        // Sizes around the 1024-element block: one partial block, exact blocks, blocks plus a tail.
        for (int n : new int[] {7, 1024, 2 * 1024 + 5, 40_000}) {
            Shape s = Shape.of(n);
            float[] vStart = positive(r, n);
            for (float wd : new float[] {0f, 0.01f}) {
                // One step (a second would start from F32-rounded state on one side only); step count 3 -> 4.
                compareExact("adam n=" + n + " weight decay " + wd, (b, in, out) -> b.adamStep(in[0], 2e-4f, 0.5f,
                        0.999f, 1e-8f, wd, out[0], out[1], out[2], out[3]), new Shape[] {s},
                        new float[][] {floats(r, n)}, new Shape[] {s, s, s, Shape.of(1)},
                        new float[][] {floats(r, n), floats(r, n), vStart, new float[] {3}});
            }
        }
    }

    // ---------------------------------------------------------------- matrix products split over threads

    /**
     * A product split over threads into blocks of columns (or rows) agrees with one OpenBLAS call to within float
     * rounding, and repeats bit for bit with the same thread count. Not bitwise across thread counts: OpenBLAS picks
     * its micro-kernel and edge handling per CPU model and block width, and on some CPUs (an AMD EPYC with
     * avx512_vp2intersect) a 1-thread and a 4-thread product differ in the last bit. gan4j promises bit-exact
     * results only on the same machine with the same thread count (docs/RELIABILITY.md). Bound per element:
     * each result is within {@code (k + 2) u s} of the exact value, {@code s = |alpha| sum_k |a||b| + |beta c|}
     * (forward error of a float dot product), so the two within twice that; a wrong block offset or a lost block
     * is off by about {@code s} itself. {@code s} is itself a float product of non-negative terms, so within a
     * relative {@code (k + 2) u} of its value: a negligible change to the bound.
     */
    @Test
    void productsSplitOverThreadsAgreeToRoundingAndRepeatExactly() {
        SplittableRandom r = new SplittableRandom(24);
        int[][] mnk = {{128, 3136, 1024}, {1024, 3136, 128}, {128, 1024, 3136}, {6272, 100, 64}, {64, 6272, 100},
                {3, 2, 5}};
        try (CpuBackend one = CpuBackend.create(1); CpuBackend four = CpuBackend.create(4)) {
            for (int[] d : mnk) {
                for (int t = 0; t < 4; t++) {
                    boolean ta = (t & 1) != 0;
                    boolean tb = (t & 2) != 0;
                    int m = d[0];
                    int n = d[1];
                    int k = d[2];
                    Shape as = ta ? Shape.of(k, m) : Shape.of(m, k);
                    Shape bs = tb ? Shape.of(n, k) : Shape.of(k, n);
                    float[] av = floats(r, as.size());
                    float[] bv = floats(r, bs.size());
                    float[] cv = floats(r, m * n);
                    String what = "gemm " + m + "x" + n + "x" + k + " transA " + ta + " transB " + tb;
                    float[] single = gemm(one, ta, tb, as, av, bs, bv, cv, 0.5f, 1f);
                    float[] split = gemm(four, ta, tb, as, av, bs, bv, cv, 0.5f, 1f);
                    float[] again = gemm(four, ta, tb, as, av, bs, bv, cv, 0.5f, 1f);
                    float[] scale = gemm(one, ta, tb, as, abs(av), bs, abs(bv), abs(cv), 0.5f, 1f);
                    for (int i = 0; i < single.length; i++) {
                        if (Float.floatToIntBits(split[i]) != Float.floatToIntBits(again[i])) {
                            fail(what + ": element " + i + " is " + split[i] + ", then " + again[i]
                                    + " with the same 4 threads");
                        }
                        double bound = 2 * (k + 2) * U * scale[i];
                        if (Math.abs(single[i] - split[i]) > bound) {
                            fail(what + ": element " + i + " is " + single[i] + " with 1 thread, " + split[i]
                                    + " with 4; more apart than rounding allows (" + bound + ")");
                        }
                    }
                }
            }
        }
    }

    private static float[] gemm(CpuBackend b, boolean ta, boolean tb, Shape as, float[] av, Shape bs, float[] bv,
            float[] cv, float alpha, float beta) {
        int m = ta ? as.dim(1) : as.dim(0);
        int n = tb ? bs.dim(0) : bs.dim(1);
        try (Tensor a = b.allocate(as); Tensor bt = b.allocate(bs); Tensor c = b.allocate(m, n)) {
            b.copyFromHost(av, a);
            b.copyFromHost(bv, bt);
            b.copyFromHost(cv, c);
            b.gemm(ta, tb, alpha, a, bt, beta, c);
            return c.toFloatArray();
        }
    }
}
