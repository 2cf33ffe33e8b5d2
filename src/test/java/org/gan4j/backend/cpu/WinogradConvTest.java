package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.floats;
import static org.gan4j.backend.cpu.TestSupport.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Winograd F(4x4, 2x2) forward pass and data gradient ({@link WinogradConv}) against the F64 reference, the
 * path taken exactly where it fits (counted), and its bits independent of the thread count and the chunking.
 *
 * <p>Tolerance. Winograd evaluates each output as a sum, over the reduction's channels {@code k}, of the tile's 25
 * products {@code U[p] V[p]} combined by the output transform: {@code y = A^T [sum_k (G g_k G^T) . (B^T d_k B)] A}.
 * Each of its paths from one input and one weight to an output passes through at most {@code K + 18} roundings
 * (or relative errors of size u): 4 in the weight transform ({@code sum_{j,i} (G[a][j] G[b][i]) g[j][i]}: the
 * coefficient rounded to float, its product, a sum of 4 in two levels), at most 4 per stage of the input transform
 * (2 stages), the GEMM's {@code K} multiply-adds, at most 3 per stage of the output transform (2 stages). By the
 * standard forward error bound of such sums of products, {@code |error| <= gamma_{K+18} * S} with {@code S} the
 * same expression over the absolute values of inputs, weights and transform matrices ({@link #absWinograd}, in
 * double). We allow {@code (K + 21) u S + u |exact|} (u = 2^-24; the reduction's zero padding to 8 channels adds
 * no rounding). S is up to 100 times (36 on average over a tile) the direct sum's {@code sum |w x|} for the same
 * output: larger than CpuF32FastPathTest's direct tolerance, and still about 1% of a typical output at K = 256 and 9%
 * at K = 1024 ({@link #compare} checks it stays below 10%, so that a wrong index, a wrong transform coefficient or a
 * lost channel, errors of the size of the outputs, fail it; a coefficient off by 0.1% fails it too).
 */
class WinogradConvTest {
    private static final double U = Math.scalb(1.0, -24);
    private static final ConvParams P = ConvParams.of(2, 1);
    private static final double[][] ABS_AT = {{1, 1, 1, 1, 0}, {0, 1, 1, 2, 0}, {0, 1, 1, 4, 0}, {0, 1, 1, 8, 1}};
    private static final double[][] ABS_G = {{0.5, 0}, {0.5, 0.5}, {1.0 / 6, 1.0 / 6}, {1.0 / 6, 1.0 / 3}, {0, 1}};
    private static final double[][] ABS_BT = {{2, 1, 2, 1, 0}, {0, 2, 1, 1, 0}, {0, 2, 3, 1, 0}, {0, 1, 0, 1, 0},
            {0, 2, 1, 2, 1}};

    private static CpuBackend f32;
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f32 = CpuBackend.create(2);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f32.close();
        f64.close();
    }

    private static void assumeNative() {
        assumeTrue(f32.nativeConvolutions(), "native kernels not loaded here");
        assumeTrue(WinogradFilter.enabledByProperty(), "switched off by -D" + WinogradConv.PROPERTY + "=false");
    }

    @Test
    void matchesTheReferenceOnDcgan64Shapes() {
        assumeNative();
        long before = f32.winogradPasses();
        check(2, 64, 32, 32, 128, 1, Long.MAX_VALUE / 4); // D64 conv2 / G64's third ConvT
        check(2, 128, 16, 16, 256, 2, Long.MAX_VALUE / 4); // D64 conv3 / G64's second ConvT
        check(6, 256, 8, 8, 512, 3, Long.MAX_VALUE / 4); // D64 conv4 / G64's first stride-2 ConvT: 6 columns
        assertEquals(6, f32.winogradPasses() - before, "forward and data gradient of each shape by Winograd");
    }

    @Test
    void matchesTheReferenceOnAwkwardShapes() {
        assumeNative();
        long before = f32.winogradPasses();
        check(1, 16, 32, 32, 16, 11, Long.MAX_VALUE / 4); // batch 1, 16 tiles, one panel exactly
        check(3, 17, 16, 8, 20, 12, Long.MAX_VALUE / 4); // channels past a panel, 8 x 4 outputs: 2 tiles, 6 columns
        check(6, 33, 8, 8, 18, 13, Long.MAX_VALUE / 4); // one tile per sample: the fewest columns (6)
        check(4, 20, 8, 16, 35, 14, Long.MAX_VALUE / 4); // 4 x 8 outputs, 8 columns: one full transform vector
        check(9, 24, 8, 8, 16, 15, 5_000); // one tile per sample: one chunk of 9 columns (64 or more make a chunk)
        check(5, 16, 32, 32, 24, 16, 20_000); // chunks of 3 and 2 samples (48 and 32 columns)
        check(9, 16, 32, 32, 16, 17, 20_000); // split by samples on 2 threads (4 + 5), each in chunks of 3 + rest
        assertEquals(14, f32.winogradPasses() - before, "forward and data gradient of each shape by Winograd");
    }

    /** Shapes the path does not fit keep the direct kernels (and their own tests' tolerances). */
    @Test
    void isNotTakenWhereItDoesNotFit() {
        assumeNative();
        long before = f32.winogradPasses();
        runPasses(f32, new SplittableRandom(1), 4, 64, 14, 14, 128); // D28 conv2: 7 x 7 outputs
        runPasses(f32, new SplittableRandom(2), 4, 32, 28, 28, 64); // 14 x 14 outputs
        runPasses(f32, new SplittableRandom(3), 2, 3, 64, 64, 64); // D64 conv1: 3 input channels
        runPasses(f32, new SplittableRandom(4), 2, 64, 16, 16, 8); // 8 output channels
        runPasses(f32, new SplittableRandom(5), 5, 64, 8, 8, 32); // 5 columns: less than a micro-kernel tile
        runPasses(f32, new SplittableRandom(6), 2, 16, 17, 16, 16); // odd height
        assertEquals(0, f32.winogradPasses() - before);
    }

    @Test
    void theSwitchTurnsThePathOff() {
        assumeNative();
        String saved = System.getProperty(WinogradConv.PROPERTY);
        System.setProperty(WinogradConv.PROPERTY, "false");
        try (CpuBackend off = CpuBackend.create(1)) {
            runPasses(off, new SplittableRandom(7), 2, 64, 32, 32, 128);
            assertEquals(0, off.winogradPasses());
            assertEquals(2, off.nativeConvolutionPasses(), "the direct native kernels instead");
        } finally {
            if (saved == null) {
                System.clearProperty(WinogradConv.PROPERTY);
            } else {
                System.setProperty(WinogradConv.PROPERTY, saved);
            }
        }
    }

    /**
     * 1, 2 and 3 threads (item splits; 2 threads split batch 9 by samples, 2 and 3 threads batch 13), with and
     * without chunks of a few samples, give the same bits.
     */
    @Test
    void resultsDoNotDependOnTheThreadCountOrTheChunks() {
        assumeNative();
        for (int n : new int[] {9, 13}) {
            float[][] first = null;
            for (int threads = 1; threads <= 3; threads++) {
                for (long target : new long[] {Long.MAX_VALUE / 4, 40_000}) {
                    try (CpuBackend b = CpuBackend.create(threads)) {
                        b.convWorkspaceTarget = target;
                        float[][] out = runPasses(b, new SplittableRandom(n), n, 24, 32, 32, 20);
                        assertEquals(2, b.winogradPasses());
                        if (first == null) {
                            first = out;
                        }
                        for (int i = 0; i < out.length; i++) {
                            assertArrayEquals(first[i], out[i], "batch " + n + ", pass " + i + ", " + threads
                                    + " threads, workspace " + target);
                        }
                    }
                }
            }
        }
    }

    /** Forward and data gradient of x (n, cin, h, w), w (cout, cin, 4, 4) on {@code b}; their outputs. */
    private static float[][] runPasses(CpuBackend b, SplittableRandom r, int n, int cin, int h, int w, int cout) {
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, 4, 4);
        Shape ys = P.outputShape(xs, ws);
        try (Tensor x = tensor(b, xs, floats(r, xs.size())); Tensor wt = tensor(b, ws, floats(r, ws.size()));
                Tensor dy = tensor(b, ys, floats(r, ys.size())); Tensor y = b.allocate(ys);
                Tensor dx = b.allocate(xs)) {
            b.convForward(x, wt, P, y);
            b.convBackwardData(dy, wt, P, dx);
            return new float[][] {y.toFloatArray(), dx.toFloatArray()};
        }
    }

    /** {@code y = conv(x, w)} ({@code data} false) or {@code dx = conv_transpose(dy, w)} (true) on {@code b}. */
    private static double[] pass(Backend b, boolean data, Shape inShape, float[] in, Shape ws, float[] w,
            Shape outShape) {
        try (Tensor a = tensor(b, inShape, in); Tensor c = tensor(b, ws, w); Tensor o = b.allocate(outShape)) {
            if (data) {
                b.convBackwardData(a, c, P, o);
            } else {
                b.convForward(a, c, P, o);
            }
            return o.toDoubleArray();
        }
    }

    private static void check(int n, int cin, int h, int w, int cout, long seed, long workspace) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, 4, 4);
        Shape ys = P.outputShape(xs, ws);
        float[] x = floats(r, xs.size());
        float[] wv = floats(r, ws.size());
        float[] dy = floats(r, ys.size());
        String what = "x " + xs + " w " + ws + " workspace " + workspace;
        long saved = f32.convWorkspaceTarget;
        f32.convWorkspaceTarget = workspace;
        try {
            compare("forward " + what, pass(f32, false, xs, x, ws, wv, ys), pass(f64, false, xs, x, ws, wv, ys),
                    absWinograd(false, n, cin, h, w, cout, x, wv), 4 * cin + 21);
            compare("backward data " + what, pass(f32, true, ys, dy, ws, wv, xs), pass(f64, true, ys, dy, ws, wv, xs),
                    absWinograd(true, n, cin, h, w, cout, dy, wv), cout + 21);
        } finally {
            f32.convWorkspaceTarget = saved;
        }
    }

    /**
     * Every element within {@code depth * u * abs + u |exact|}; and the bound itself small (median below 10% of the
     * outputs' mean magnitude; it grows with the reduction, about 9% at K = 1024), so that it is a test.
     */
    private static void compare(String what, double[] lo, double[] hi, double[] abs, int depth) {
        double[] bounds = new double[hi.length];
        double meanMagnitude = 0;
        for (int i = 0; i < hi.length; i++) {
            bounds[i] = depth * U * abs[i] + U * Math.abs(hi[i]);
            meanMagnitude += Math.abs(hi[i]) / hi.length;
            double err = Math.abs(lo[i] - hi[i]);
            if (!(err <= bounds[i])) {
                fail(what + ": element " + i + " F32 " + lo[i] + " F64 " + hi[i] + " bound " + bounds[i]);
            }
        }
        Arrays.sort(bounds);
        double median = bounds[bounds.length / 2];
        assertTrue(median < 0.1 * meanMagnitude, what + ": bound " + median + " vs outputs " + meanMagnitude);
    }

    /**
     * S per output: {@code |A^T| [sum_k (|G| |g_k| |G|^T) . (|B^T| |d_k| |B^T|^T)] |A|} in double, over the absolute
     * inputs {@code in} (x for the forward pass, dy for the data gradient) and weights, tile by tile exactly as
     * {@code winograd.cpp} forms it: forward, one sum over the 4 input phases q and Cin with windows
     * {@code x[8ty + qh - 1 + 2a][8tx + qw - 1 + 2b]} and taps {@code w[2j + qh][2i + qw]}, outputs
     * {@code y[4ty + i][4tx + j]}; data gradient, per parity q a sum over Cout with windows
     * {@code dy[4ty - qh + a][4tx - qw + b]} and taps {@code w[qh + 2 - 2j][qw + 2 - 2i]}, outputs
     * {@code dx[8ty + 2i + 1 - qh][8tx + 2j + 1 - qw]} (zero outside the planes).
     */
    private static double[] absWinograd(boolean data, int n, int cin, int h, int w, int cout, float[] in,
            float[] wt) {
        int ho = h / 2;
        int wo = w / 2;
        int m = data ? cin : cout;
        int kc = data ? cout : cin;
        int inH = data ? ho : h;
        int inW = data ? wo : w;
        int outH = data ? h : ho;
        int outW = data ? w : wo;
        double[] s = new double[n * m * outH * outW];
        double[][] acc = new double[m][25];
        double[] d = new double[25];
        double[] v = new double[25];
        double[] g = new double[4];
        double[] uw = new double[25];
        for (int sample = 0; sample < n; sample++) {
            for (int ty = 0; ty < ho / 4; ty++) {
                for (int tx = 0; tx < wo / 4; tx++) {
                    for (double[] row : acc) {
                        Arrays.fill(row, 0);
                    }
                    for (int q = 0; q < 4; q++) {
                        int qh = q >> 1;
                        int qw = q & 1;
                        for (int c = 0; c < kc; c++) {
                            for (int a = 0; a < 5; a++) {
                                for (int b = 0; b < 5; b++) {
                                    int y = data ? 4 * ty - qh + a : 8 * ty + qh - 1 + 2 * a;
                                    int x = data ? 4 * tx - qw + b : 8 * tx + qw - 1 + 2 * b;
                                    d[a * 5 + b] = y >= 0 && y < inH && x >= 0 && x < inW
                                            ? Math.abs(in[((sample * kc + c) * inH + y) * inW + x]) : 0;
                                }
                            }
                            sandwich(ABS_BT, d, 5, v);
                            for (int row = 0; row < m; row++) {
                                int co = data ? c : row;
                                int ci = data ? row : c;
                                for (int j = 0; j < 2; j++) {
                                    for (int i = 0; i < 2; i++) {
                                        int kh = data ? qh + 2 - 2 * j : 2 * j + qh;
                                        int kw = data ? qw + 2 - 2 * i : 2 * i + qw;
                                        g[j * 2 + i] = Math.abs(wt[((co * cin + ci) * 4 + kh) * 4 + kw]);
                                    }
                                }
                                sandwich(ABS_G, g, 2, uw);
                                for (int p = 0; p < 25; p++) {
                                    acc[row][p] += uw[p] * v[p];
                                }
                            }
                        }
                        if (data || q == 3) {
                            for (int row = 0; row < m; row++) {
                                double[] out = new double[16];
                                sandwich(ABS_AT, acc[row], 5, out);
                                for (int i = 0; i < 4; i++) {
                                    for (int j = 0; j < 4; j++) {
                                        int y = data ? 8 * ty + 2 * i + 1 - qh : 4 * ty + i;
                                        int x = data ? 8 * tx + 2 * j + 1 - qw : 4 * tx + j;
                                        s[((sample * m + row) * outH + y) * outW + x] = out[i * 4 + j];
                                    }
                                }
                                if (data) {
                                    Arrays.fill(acc[row], 0);
                                }
                            }
                        }
                    }
                }
            }
        }
        return s;
    }

    /** {@code out = T x T^T} for a square {@code x} of side {@code k} and {@code T} of {@code T.length x k}. */
    private static void sandwich(double[][] t, double[] x, int k, double[] out) {
        int r = t.length;
        for (int a = 0; a < r; a++) {
            for (int b = 0; b < r; b++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        sum += t[a][i] * x[i * k + j] * t[b][j];
                    }
                }
                out[a * r + b] = sum;
            }
        }
    }
}
