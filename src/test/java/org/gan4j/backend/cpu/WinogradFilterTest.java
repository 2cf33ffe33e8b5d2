package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.floats;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Winograd F(2x2, 4x4) filter gradient ({@link WinogradFilter}) against the F64 reference, on the DCGAN64 shapes
 * and awkward ones, taken exactly where it applies, with the same bits on 1, 2 and 3 threads.
 *
 * <p>Tolerance. The kernel computes {@code dw_p = A^T [sum_{n,t} (G g_t G^T) (.) (B^T d_t B)] A} in floats; by the
 * standard forward error analysis of sums of products, every result differs from the exact one by at most
 * {@code gamma_K * S}, with {@code gamma_K = K u / (1 - K u)} (u = 2^-24) and
 * {@code S = |A^T| [sum_{n,t} (|G| |g_t| |G^T|) (.) (|B^T| |d_t| |B|)] |A|}, the same expression with every matrix and
 * value replaced by its absolute value ({@code S} is unchanged by the kernel's scaling of B^T's rows against A^T's
 * columns). K bounds the roundings on any path: 8 in the dy transform (two passes of at most 4 terms), 8 in the input
 * transform (likewise), 1 for the product, one per reduction term (samples x tiles), 14 in the inverse transform (two
 * passes of 5 terms, each term a product with an inexact constant such as 1/6, 8/3, 4/3), and one per chunk added to
 * {@code dw} plus one for the initial {@code dw}. {@code S} is about 36 times the direct sum of |products| for random
 * inputs (the transforms' growth); a wrong tap, phase or lost tile still misses by orders of magnitude (the values are
 * sums of random products, about {@code sqrt(terms)}, the bound about {@code 1e-4 * terms}), and a 2% error in one
 * inverse-transform constant by about 8 times.
 */
class WinogradFilterTest {
    private static final double U = Math.scalb(1.0, -24);
    private static final ConvParams P = ConvParams.of(2, 1);
    /** The interpolation points (infinity last); B^T, G and A^T derive from them below, independently of the kernel. */
    private static final double[] POINTS = {0, 1, -1, 0.5};
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f64.close();
    }

    @Test
    void matchesTheReferenceOnTheDcgan64Shapes() {
        assumeNative();
        check(4, 64, 32, 32, 128, 1 << 22, 11); // D64 conv2 (16 tiles per sample)
        check(8, 128, 16, 16, 256, 1 << 22, 12); // D64 conv3 (4 tiles per sample)
        check(32, 256, 8, 8, 512, 1 << 22, 13); // D64 conv4 (1 tile per sample)
    }

    @Test
    void matchesTheReferenceOnAwkwardShapes() {
        assumeNative();
        check(1, 20, 48, 48, 17, 1 << 22, 21); // batch 1 (36 tiles), 20 and 17 channels: partial groups and panels
        check(2, 23, 24, 48, 33, 1 << 22, 22); // batch 2, non-square (3 x 6 tiles), one row in the last panel
        check(32, 16, 9, 8, 24, 1 << 22, 23); // one tile per sample, odd height (x's last row unread), R = 32
        check(9, 32, 16, 16, 40, 1, 24); // a workspace of one sample: 9 chunks added in order
        check(5, 16, 64, 64, 16, 1 << 22, 25); // 64 tiles per sample: chunks of 3 and 2 samples
    }

    /** Taken for the shapes it fits, and only those: DCGAN28, short reductions, few channels stay direct. */
    @Test
    void theWinogradPathIsTakenExactlyWhereItApplies() {
        assumeNative();
        try (CpuBackend b = CpuBackend.create(1)) {
            assertTrue(taken(b, 2, 16, 32, 32, 16)); // 2 x 16 tiles
            assertFalse(taken(b, 1, 16, 32, 32, 16)); // 16 tiles: under MIN_REDUCTION
            assertFalse(taken(b, 64, 64, 14, 14, 128)); // D28 conv2: 7x7 outputs
            assertFalse(taken(b, 4, 8, 32, 32, 16)); // 8 input channels
            assertFalse(taken(b, 4, 16, 32, 32, 8)); // 8 output channels
            assertEquals(1, b.winogradFilterPasses());
            b.winograd(false); // the backend's switch covers the filter gradient too
            assertFalse(taken(b, 2, 16, 32, 32, 16));
            b.winograd(true);
            assertTrue(taken(b, 2, 16, 32, 32, 16));
        }
    }

    @Test
    void thePropertySwitchesItOff() {
        assertFalse(WinogradFilter.switchedOn("false"));
        assertFalse(WinogradFilter.switchedOn("FALSE"));
        assertTrue(WinogradFilter.switchedOn("true"));
        assertTrue(WinogradFilter.switchedOn(null));
    }

    /** Chunks fixed by the geometry, items writing disjoint dw elements: 1, 2 and 3 threads give the same bits. */
    @Test
    void resultsDoNotDependOnTheThreadCount() {
        assumeNative();
        float[][] one = null;
        for (int threads = 1; threads <= 3; threads++) {
            try (CpuBackend b = CpuBackend.create(threads)) {
                b.convWorkspaceTarget = 1 << 18; // the first shape in chunks of 3 and 2 samples
                float[][] many = {gradient(b, 5, 24, 32, 32, 40, 31), gradient(b, 33, 64, 8, 8, 48, 32)};
                assertEquals(2, b.winogradFilterPasses());
                if (one == null) {
                    one = many;
                }
                for (int i = 0; i < one.length; i++) {
                    assertArrayEquals(one[i], many[i], "shape " + i + " with " + threads + " threads");
                }
            }
        }
    }

    private static void assumeNative() {
        assumeTrue(NativeConv.status().usable(), NativeConv.status().reason());
        assumeTrue(WinogradFilter.enabledByProperty(), "switched off by -D" + WinogradFilter.PROPERTY + "=false");
    }

    private static boolean taken(CpuBackend b, int n, int cin, int h, int w, int cout) {
        long before = b.winogradFilterPasses();
        gradient(b, n, cin, h, w, cout, 1);
        return b.winogradFilterPasses() == before + 1;
    }

    private static float[] gradient(CpuBackend b, int n, int cin, int h, int w, int cout, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, 4, 4);
        Shape ys = P.outputShape(xs, ws);
        try (Tensor x = b.allocate(xs); Tensor dy = b.allocate(ys); Tensor dw = b.allocate(ws)) {
            b.copyFromHost(floats(r, xs.size()), x);
            b.copyFromHost(floats(r, ys.size()), dy);
            b.copyFromHost(floats(r, ws.size()), dw);
            b.convBackwardFilter(x, dy, P, dw);
            return dw.toFloatArray();
        }
    }

    /** One filter gradient (onto a random dw) on a 1-thread backend with {@code workspace}, held to the bound. */
    private static void check(int n, int cin, int h, int w, int cout, long workspace, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, 4, 4);
        Shape ys = P.outputShape(xs, ws);
        float[] x = floats(r, xs.size());
        float[] dy = floats(r, ys.size());
        float[] dw0 = floats(r, ws.size());
        double[] exact;
        try (Tensor xt = f64.allocate(xs); Tensor dyt = f64.allocate(ys); Tensor dwt = f64.allocate(ws)) {
            f64.copyFromHost(x, xt);
            f64.copyFromHost(dy, dyt);
            f64.copyFromHost(dw0, dwt);
            f64.convBackwardFilter(xt, dyt, P, dwt);
            exact = dwt.toDoubleArray();
        }
        float[] got;
        int chunks;
        try (CpuBackend b = CpuBackend.create(1)) {
            b.convWorkspaceTarget = workspace;
            try (Tensor xt = b.allocate(xs); Tensor dyt = b.allocate(ys); Tensor dwt = b.allocate(ws)) {
                b.copyFromHost(x, xt);
                b.copyFromHost(dy, dyt);
                b.copyFromHost(dw0, dwt);
                b.convBackwardFilter(xt, dyt, P, dwt);
                got = dwt.toFloatArray();
            }
            assertEquals(1, b.winogradFilterPasses(), "the Winograd path was not taken for x " + xs);
            chunks = n; // at most one chunk per sample
        }
        int ho = ys.dim(2);
        int wo = ys.dim(3);
        int terms = n * (ho / 4) * (wo / 4);
        double k = 8 + 8 + 1 + terms + 14 + chunks + 1;
        double gamma = k * U / (1 - k * U);
        double[] s = absoluteSum(x, dy, n, cin, h, w, cout, ho, wo);
        for (int i = 0; i < exact.length; i++) {
            double bound = gamma * (s[i] + Math.abs(dw0[i]));
            double err = Math.abs(got[i] - exact[i]);
            if (!(err <= bound)) {
                fail("x " + xs + " dw element " + i + ": F32 " + got[i] + " F64 " + exact[i] + " error " + err
                        + " bound " + bound);
            }
        }
    }

    /**
     * {@code S} of the class comment per dw element: the transformed {@code |dy|} tiles ({@code |G| |dy_t| |G^T|})
     * and {@code |x|} phase tiles ({@code |B^T| |x_p,t| |B|}), their 25 products summed over samples and tiles, then
     * taken through {@code |A^T| . |A|}.
     */
    private static double[] absoluteSum(float[] x, float[] dy, int n, int cin, int h, int w, int cout, int ho,
            int wo) {
        double[][] bt = abs(transpose(invert(vandermonde())));
        double[][] g = new double[5][4];
        double[][] at = new double[2][5];
        for (int i = 0; i < 5; i++) {
            for (int k = 0; k < 4; k++) {
                g[i][k] = i < 4 ? Math.abs(Math.pow(POINTS[i], k)) : k == 3 ? 1 : 0;
            }
            at[0][i] = i < 4 ? 1 : 0;
            at[1][i] = i < 4 ? Math.abs(POINTS[i]) : 1;
        }
        int tw = wo / 4;
        int r = n * (ho / 4) * tw;
        double[][][] dyHat = new double[cout][r][];
        double[][][] xHat = new double[cin * 4][r][];
        for (int q = 0; q < r; q++) {
            int nn = q / ((ho / 4) * tw);
            int ty = q % ((ho / 4) * tw) / tw;
            int tx = q % tw;
            for (int co = 0; co < cout; co++) {
                double[][] tile = new double[4][4];
                for (int u = 0; u < 4; u++) {
                    for (int v = 0; v < 4; v++) {
                        tile[u][v] = Math.abs(dy[((nn * cout + co) * ho + 4 * ty + u) * wo + 4 * tx + v]);
                    }
                }
                dyHat[co][q] = flat(multiply(multiply(g, tile), transpose(g)));
            }
            for (int ci = 0; ci < cin; ci++) {
                for (int p = 0; p < 4; p++) {
                    double[][] tile = new double[5][5];
                    for (int u = 0; u < 5; u++) {
                        for (int v = 0; v < 5; v++) {
                            int y = 2 * (4 * ty + u) + p / 2 - 1;
                            int xx = 2 * (4 * tx + v) + p % 2 - 1;
                            tile[u][v] = y < 0 || y >= h || xx < 0 || xx >= w ? 0
                                    : Math.abs(x[((nn * cin + ci) * h + y) * w + xx]);
                        }
                    }
                    xHat[ci * 4 + p][q] = flat(multiply(multiply(bt, tile), transpose(bt)));
                }
            }
        }
        double[] s = new double[cout * cin * 16];
        double[][] sum = new double[5][5];
        for (int co = 0; co < cout; co++) {
            for (int ci = 0; ci < cin; ci++) {
                for (int p = 0; p < 4; p++) {
                    double[] acc = new double[25];
                    for (int q = 0; q < r; q++) {
                        double[] a = dyHat[co][q];
                        double[] b = xHat[ci * 4 + p][q];
                        for (int e = 0; e < 25; e++) {
                            acc[e] += a[e] * b[e];
                        }
                    }
                    for (int e = 0; e < 25; e++) {
                        sum[e / 5][e % 5] = acc[e];
                    }
                    double[][] taps = multiply(multiply(at, sum), transpose(at));
                    for (int j = 0; j < 2; j++) {
                        for (int i = 0; i < 2; i++) {
                            s[(co * cin + ci) * 16 + (2 * j + p / 2) * 4 + 2 * i + p % 2] = taps[j][i];
                        }
                    }
                }
            }
        }
        return s;
    }

    private static double[] flat(double[][] m) {
        double[] f = new double[m.length * m[0].length];
        for (int i = 0; i < m.length; i++) {
            System.arraycopy(m[i], 0, f, i * m[0].length, m[0].length);
        }
        return f;
    }

    /** V[i][k] = p_i^k for the finite points, [0 0 0 0 1] for infinity: values of a degree-4 polynomial. */
    private static double[][] vandermonde() {
        double[][] v = new double[5][5];
        for (int i = 0; i < 4; i++) {
            for (int k = 0; k < 5; k++) {
                v[i][k] = Math.pow(POINTS[i], k);
            }
        }
        v[4][4] = 1;
        return v;
    }

    /** Gauss-Jordan inverse with partial pivoting. */
    private static double[][] invert(double[][] m) {
        int n = m.length;
        double[][] a = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], 0, a[i], 0, n);
            a[i][n + i] = 1;
        }
        for (int c = 0; c < n; c++) {
            int piv = c;
            for (int i = c + 1; i < n; i++) {
                if (Math.abs(a[i][c]) > Math.abs(a[piv][c])) {
                    piv = i;
                }
            }
            double[] tmp = a[c];
            a[c] = a[piv];
            a[piv] = tmp;
            double d = a[c][c];
            for (int k = 0; k < 2 * n; k++) {
                a[c][k] /= d;
            }
            for (int i = 0; i < n; i++) {
                if (i != c && a[i][c] != 0) {
                    double f = a[i][c];
                    for (int k = 0; k < 2 * n; k++) {
                        a[i][k] -= f * a[c][k];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], n, inv[i], 0, n);
        }
        return inv;
    }

    private static double[][] multiply(double[][] a, double[][] b) {
        double[][] c = new double[a.length][b[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int k = 0; k < b.length; k++) {
                for (int j = 0; j < b[0].length; j++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    private static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    private static double[][] abs(double[][] a) {
        double[][] r = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                r[i][j] = Math.abs(a[i][j]);
            }
        }
        return r;
    }
}
