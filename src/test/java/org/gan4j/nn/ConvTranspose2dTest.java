package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class ConvTranspose2dTest extends CpuAndReference {
    private static final double[] X = {1, 2, 3, 4};
    private static final double[] W3 = {1, 2, 3, 4, 5, 6, 7, 8, 9};

    /*
     * x = [[1,2],[3,4]], w = [[1,2,3],[4,5,6],[7,8,9]], stride 2, padding 1. Each x[i][j] adds x[i][j] * w to the
     * 3x3 block of the uncropped 5x5 output starting at (2i, 2j); padding 1 crops one row/column on each side, so
     * y[r][c] = Z[r+1][c+1]. E.g. y[0][0] = 1*w[1][1] = 5; y[1][1] = 1*w[2][2] + 2*w[2][0] + 3*w[0][2] + 4*w[0][0]
     * = 9 + 14 + 9 + 4 = 36. Output padding 1 keeps one more row and column of Z (its row/column 4):
     * y[3][3] = 4*w[2][2] = 36, y[3][0] = 3*w[2][1] = 24, y[3][1] = 3*w[2][2] + 4*w[2][0] = 27 + 28 = 55.
     */
    private static final double[] Y_S2P1 = {5, 14, 10, 14, 36, 24, 15, 34, 20};
    private static final double[] Y_S2P1_OP1 = {5, 14, 10, 12, 14, 36, 24, 30, 15, 34, 20, 24, 24, 55, 32, 36};

    @Test
    void knownAnswerStride2Padding1() {
        ConvTranspose2d ct = new ConvTranspose2d(1, 1, 3, 2, 1, true);
        try (Model m = new Model(f32, ct, 1); Tensor x = tensor(f32, X, 1, 1, 2, 2)) {
            set(ct.weight(), W3);
            set(ct.bias(), -1);
            Tensor y = m.forward(x);
            assertEquals(Shape.of(1, 1, 3, 3), y.shape(), "Ho = (2-1)*2 - 2*1 + 3 = 3");
            double[] expected = Y_S2P1.clone();
            for (int i = 0; i < expected.length; i++) {
                expected[i] -= 1; // bias
            }
            // Small integers: exact in float.
            assertClose(expected, y.toDoubleArray(), 0, 1e-5, "convT s2 p1");
        }
    }

    @Test
    void knownAnswerOutputPadding() {
        ConvTranspose2d ct = new ConvTranspose2d(1, 1, 3, 2, 1, 1, false);
        try (Model m = new Model(f32, ct, 1); Tensor x = tensor(f32, X, 1, 1, 2, 2);
                Tensor dy = tensor(f32, oneHot(16, 5), 1, 1, 4, 4)) {
            set(ct.weight(), W3);
            Tensor y = m.forward(x);
            assertEquals(Shape.of(1, 1, 4, 4), y.shape(), "Ho = (2-1)*2 - 2*1 + 3 + 1 = 4");
            assertClose(Y_S2P1_OP1, y.toDoubleArray(), 0, 1e-5, "convT s2 p1 op1");
            // dy = one at output (1,1) = Z[2][2], which x[i][j] reaches through w[2-2i][2-2j]:
            // dx = [w[2][2], w[2][0], w[0][2], w[0][0]] = [9, 7, 3, 1]; dW[a][b] = x[i][j] for (2i+a, 2j+b) = (2,2):
            // dW[2][2] = x00 = 1, dW[2][0] = x01 = 2, dW[0][2] = x10 = 3, dW[0][0] = x11 = 4.
            Tensor dx = m.backwardToInput(dy);
            assertClose(new double[] {9, 7, 3, 1}, dx.toDoubleArray(), 0, 1e-5, "convT dx");
            assertClose(new double[] {4, 0, 3, 0, 0, 0, 2, 0, 1}, ct.weight().grad().toDoubleArray(), 0, 1e-5,
                    "convT dW");
        }
    }

    private static double[] oneHot(int n, int i) {
        double[] v = new double[n];
        v[i] = 1;
        return v;
    }

    /** Direct scatter: y[n][co][s*i - p + a][s*j - p + b] += x[n][ci][i][j] * w[ci][co][a][b], then + bias. */
    static double[] referenceConvTranspose(double[] x, int n, int cin, int h, int w, double[] wt, int cout, int k,
            int stride, int pad, int outPad, double[] bias) {
        int ho = (h - 1) * stride - 2 * pad + k + outPad;
        int wo = (w - 1) * stride - 2 * pad + k + outPad;
        double[] y = new double[n * cout * ho * wo];
        for (int b = 0; b < n; b++) {
            for (int co = 0; co < cout; co++) {
                for (int r = 0; r < ho * wo; r++) {
                    y[(b * cout + co) * ho * wo + r] = bias == null ? 0 : bias[co];
                }
                for (int ci = 0; ci < cin; ci++) {
                    for (int i = 0; i < h; i++) {
                        for (int j = 0; j < w; j++) {
                            for (int a = 0; a < k; a++) {
                                for (int c = 0; c < k; c++) {
                                    int r = i * stride - pad + a;
                                    int q = j * stride - pad + c;
                                    if (r >= 0 && r < ho && q >= 0 && q < wo) {
                                        y[((b * cout + co) * ho + r) * wo + q] += x[((b * cin + ci) * h + i) * w + j]
                                                * wt[((ci * cout + co) * k + a) * k + c];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        return y;
    }

    @Test
    void multiChannelMatchesDirectScatter() {
        // DCGAN's block: k=4, s=2, p=1 doubles the size; 3x5 -> 6x10. And k=3, s=2, p=1, op=1 also doubles it.
        int[][] configs = {{4, 2, 1, 0}, {3, 2, 1, 1}, {4, 1, 0, 0}};
        for (int[] c : configs) {
            int k = c[0], s = c[1], p = c[2], op = c[3];
            double[] x = randn(20 + k, 2 * 3 * 3 * 5);
            double[] w = randn(30 + k, 3 * 2 * k * k);
            double[] b = randn(40 + k, 2);
            ConvTranspose2d ct = new ConvTranspose2d(3, 2, k, s, p, op, true);
            try (Model m = new Model(f32, ct, 1); Tensor xt = tensor(f32, x, 2, 3, 3, 5)) {
                set(ct.weight(), w);
                set(ct.bias(), b);
                Tensor y = m.forward(xt);
                int ho = (3 - 1) * s - 2 * p + k + op;
                int wo = (5 - 1) * s - 2 * p + k + op;
                assertEquals(Shape.of(2, 2, ho, wo), y.shape());
                assertEquals(Shape.of(2, 2, ho, wo), ct.outputShape(Shape.of(2, 3, 3, 5)));
                // At most 3 * 4 * 4 = 48 products of N(0,1) values per output: float rounding of inputs and
                // accumulation stays below ~48 * 4 * 1.2e-7 ~ 2.3e-5 absolute; tolerance 5e-5.
                assertClose(referenceConvTranspose(x, 2, 3, 3, 5, w, 2, k, s, p, op, b), y.toDoubleArray(), 0, 5e-5,
                        "convT k=" + k + " s=" + s + " p=" + p + " op=" + op);
            }
        }
    }

    @Test
    void outputShapeFormula() {
        // Ho = (H - 1) * stride - 2 * padding + k + output_padding (PyTorch's formula, dilation 1).
        assertEquals(Shape.of(5, 512, 4, 4), new ConvTranspose2d(100, 512, 4, 1, 0, false)
                .outputShape(Shape.of(5, 100, 1, 1)), "(1-1)*1 - 0 + 4 = 4");
        assertEquals(Shape.of(5, 64, 8, 8), new ConvTranspose2d(128, 64, 4, 2, 1, false)
                .outputShape(Shape.of(5, 128, 4, 4)), "(4-1)*2 - 2 + 4 = 8");
        assertEquals(Shape.of(1, 1, 28, 28), new ConvTranspose2d(64, 1, 4, 2, 1, false)
                .outputShape(Shape.of(1, 64, 14, 14)), "(14-1)*2 - 2 + 4 = 28");
        assertEquals(Shape.of(2, 3, 14, 8), new ConvTranspose2d(4, 3, 3, 2, 1, 1, false)
                .outputShape(Shape.of(2, 4, 7, 4)), "(7-1)*2 - 2 + 3 + 1 = 14, (4-1)*2 - 2 + 3 + 1 = 8");
        assertEquals(Shape.of(1, 1, 12, 12), new ConvTranspose2d(1, 1, 5, 3, 2, 2, false)
                .outputShape(Shape.of(1, 1, 4, 4)), "(4-1)*3 - 2*2 + 5 + 2 = 12");
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        int[][] configs = {{4, 2, 1, 0}, {3, 2, 1, 1}};
        for (int[] c : configs) {
            ConvTranspose2d ct = new ConvTranspose2d(2, 3, c[0], c[1], c[2], c[3], true);
            try (Model m = new Model(f64, ct, 1); Tensor x = tensor(f64, randn(50 + c[0], 2 * 2 * 3 * 4), 2, 2, 3,
                    4)) {
                randomize(m, 60 + c[0], 0.5);
                // Bilinear in (x, W): central differences are exact up to rounding (~1e-16 |f| / eps ~ 1e-10).
                GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 70 + c[0], null);
            }
        }
    }

    @Test
    void rejectsBadShapesAndArguments() {
        assertThrowsWith(IllegalArgumentException.class, () -> new ConvTranspose2d(1, 0, 4, 2, 1, false), "out=0");
        assertThrowsWith(IllegalArgumentException.class, () -> new ConvTranspose2d(1, 1, 4, 2, 1, 2, false),
                "output_padding", "[0, 2)", "got 2");
        assertThrowsWith(IllegalArgumentException.class, () -> new ConvTranspose2d(1, 1, 4, 2, 1, -1, false),
                "output_padding");
        assertThrowsWith(IllegalArgumentException.class, () -> new ConvTranspose2d(1, 1, 4, -2, 1, false),
                "stride");
        ConvTranspose2d ct = new ConvTranspose2d(2, 3, 4, 2, 1, false);
        try (Model m = new Model(f32, ct, 1); Tensor wrongChannels = f32.allocate(1, 3, 4, 4);
                Tensor rank3 = f32.allocate(1, 2, 16); Tensor good = f32.allocate(2, 2, 4, 4);
                Tensor dyBad = f32.allocate(2, 3, 4, 4)) {
            assertThrowsWith(IllegalStateException.class, () -> ct.backward(dyBad, true), "before forward");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(wrongChannels), "(N, 2, H, W)",
                    "(1, 3, 4, 4)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(rank3), "(1, 2, 16)");
            m.forward(good);
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyBad), "expected shape (2, 3, 8, 8)",
                    "got (2, 3, 4, 4)");
        }
        ConvTranspose2d shrinking = new ConvTranspose2d(1, 1, 1, 1, 1, false);
        assertThrowsWith(IllegalArgumentException.class, () -> shrinking.outputShape(Shape.of(1, 1, 2, 2)),
                "empty output");
    }
}
