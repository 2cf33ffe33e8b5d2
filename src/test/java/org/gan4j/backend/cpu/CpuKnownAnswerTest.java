package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.assertClose;
import static org.gan4j.backend.cpu.TestSupport.tensor;
import static org.gan4j.backend.cpu.TestSupport.vector;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every op on tiny inputs against values worked out by hand and written here, on the F32 backend (the training
 * path). Unless a test says otherwise the tolerance is float rounding: values of size <= ~200 carry a relative error
 * of a few 2^-24 = 6e-8, so 1e-5 absolute (or 1e-6 relative) leaves room for a handful of roundings and nothing more.
 */
class CpuKnownAnswerTest {
    private static final double TOL = 1e-5;
    private static CpuBackend cpu;

    @BeforeAll
    static void open() {
        cpu = CpuBackend.create(2);
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    private static double[] values(Tensor t) {
        return t.toDoubleArray();
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Test
    void elementwiseOps() {
        try (Tensor a = vector(cpu, 1, -2, 3); Tensor b = vector(cpu, 4, 5, -6); Tensor out = cpu.allocate(3)) {
            cpu.multiply(a, b, out);
            assertClose(new double[] {4, -10, -18}, values(out), 0, "multiply");
            cpu.axpy(2f, a, b);
            assertClose(new double[] {6, 1, 0}, values(b), 0, "axpy");
            cpu.scale(-0.5f, a);
            assertClose(new double[] {-0.5, 1, -1.5}, values(a), 0, "scale");
            cpu.copy(a, out);
            assertClose(new double[] {-0.5, 1, -1.5}, values(out), 0, "copy");
            cpu.fill(7f, out);
            assertClose(new double[] {7, 7, 7}, values(out), 0, "fill");
            cpu.sumOfSquares(a, out);
            assertEquals(0.25 + 1 + 2.25, values(out)[0], 0, "sumOfSquares");
            cpu.mean(a, Activation.IDENTITY, out);
            assertEquals(-1.0 / 3, values(out)[0], 1e-7, "mean");
            cpu.mean(a, Activation.RELU, out);
            assertEquals(1.0 / 3, values(out)[0], 1e-7, "mean of relu");
        }
    }

    @Test
    void viewsReadAndWriteAtTheirOffset() {
        try (Tensor t = vector(cpu, 1, 2, 3, 4, 5, 6)) {
            Tensor mid = t.view(2, org.gan4j.tensor.Shape.of(2));
            cpu.scale(10f, mid);
            assertClose(new double[] {1, 2, 30, 40, 5, 6}, values(t), 0, "scale of a view");
            assertEquals(30f, cpu.readScalar(mid));
        }
    }

    // ---------------------------------------------------------------- gemm

    @Test
    void gemmAllTransposeCombinations() {
        // a = [[1,2,3],[4,5,6]], b = [[7,8],[9,10],[11,12]]: a*b = [[58,64],[139,154]] (1*7+2*9+3*11 = 58, ...).
        double[] ab = {58, 64, 139, 154};
        try (Tensor a = tensor(cpu, new int[] {2, 3}, 1, 2, 3, 4, 5, 6);
                Tensor aT = tensor(cpu, new int[] {3, 2}, 1, 4, 2, 5, 3, 6);
                Tensor b = tensor(cpu, new int[] {3, 2}, 7, 8, 9, 10, 11, 12);
                Tensor bT = tensor(cpu, new int[] {2, 3}, 7, 9, 11, 8, 10, 12);
                Tensor c = cpu.allocate(2, 2)) {
            for (int combo = 0; combo < 4; combo++) {
                boolean ta = (combo & 1) != 0;
                boolean tb = (combo & 2) != 0;
                cpu.fill(Float.NaN, c);
                cpu.gemm(ta, tb, 2f, ta ? aT : a, tb ? bT : b, 0f, c);
                assertClose(new double[] {116, 128, 278, 308}, values(c), 0,
                        "beta 0 ignores old NaNs, transA " + ta + " transB " + tb);
                cpu.fill(1f, c);
                cpu.gemm(ta, tb, 1f, ta ? aT : a, tb ? bT : b, 1f, c);
                assertClose(new double[] {ab[0] + 1, ab[1] + 1, ab[2] + 1, ab[3] + 1}, values(c), 0,
                        "beta 1 accumulates, transA " + ta + " transB " + tb);
            }
        }
    }

    @Test
    void gemmReadsHigherRankAsTwoD() {
        // a (2, 1, 2) read as 2x2 [[1,2],[3,4]], b (2,1) = [[1],[1]]: row sums [3, 7].
        try (Tensor a = tensor(cpu, new int[] {2, 1, 2}, 1, 2, 3, 4); Tensor b = tensor(cpu, new int[] {2, 1}, 1, 1);
                Tensor c = cpu.allocate(2, 1)) {
            cpu.gemm(false, false, 1f, a, b, 0f, c);
            assertClose(new double[] {3, 7}, values(c), 0, "gemm");
        }
    }

    // ---------------------------------------------------------------- bias + activation

    // x (1, 2, 1, 2) = [-1, 2 | 0.5, -3], bias [0.5, -1]: z = [-0.5, 2.5 | -0.5, -4].
    private static final double TANH_05 = 0.46211715726000974; // tanh(0.5)
    private static final double TANH_25 = 0.98661429815143028; // tanh(2.5)
    private static final double TANH_4 = 0.99932929973906704; // tanh(4)
    private static final double SIG_M05 = 0.37754066879814541; // 1 / (1 + e^0.5)
    private static final double SIG_25 = 0.92414181997875655; // 1 / (1 + e^-2.5)
    private static final double SIG_M4 = 0.01798620996209156; // 1 / (1 + e^4)

    @Test
    void biasActivationForwardAndBackwardForEveryKind() {
        double[][] expectedY = {
            {-0.5, 2.5, -0.5, -4},
            {0, 2.5, 0, 0},
            {-0.1, 2.5, -0.1, -0.8},
            {-TANH_05, TANH_25, -TANH_05, -TANH_4},
            {SIG_M05, SIG_25, SIG_M05, SIG_M4},
        };
        // act'(z) for each element, by hand: 1; relu 0/1; leaky 0.2/1; tanh 1 - y^2; sigmoid y (1 - y).
        double[][] derivative = {
            {1, 1, 1, 1},
            {0, 1, 0, 0},
            {0.2, 1, 0.2, 0.2},
            {1 - TANH_05 * TANH_05, 1 - TANH_25 * TANH_25, 1 - TANH_05 * TANH_05, 1 - TANH_4 * TANH_4},
            {SIG_M05 * (1 - SIG_M05), SIG_25 * (1 - SIG_25), SIG_M05 * (1 - SIG_M05), SIG_M4 * (1 - SIG_M4)},
        };
        Activation[] acts = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f), Activation.TANH,
            Activation.SIGMOID};
        double[] dyv = {1, 2, 3, 4};
        for (int a = 0; a < acts.length; a++) {
            try (Tensor x = tensor(cpu, new int[] {1, 2, 1, 2}, -1, 2, 0.5, -3); Tensor bias = vector(cpu, 0.5, -1);
                    Tensor y = cpu.allocate(1, 2, 1, 2); Tensor dy = tensor(cpu, new int[] {1, 2, 1, 2}, dyv);
                    Tensor dx = cpu.allocate(1, 2, 1, 2); Tensor dbias = vector(cpu, 10, 20)) {
                cpu.biasActivationForward(x, bias, acts[a], y);
                assertClose(expectedY[a], values(y), 1e-6, "forward " + acts[a]);
                cpu.biasActivationBackward(y, dy, acts[a], dx, dbias);
                double[] dxExpected = new double[4];
                for (int i = 0; i < 4; i++) {
                    dxExpected[i] = dyv[i] * derivative[a][i];
                }
                // Derivatives come from the float y, so they carry y's rounding (~1e-7) times dy (<= 4).
                assertClose(dxExpected, values(dx), 1e-6, "backward " + acts[a]);
                assertClose(new double[] {10 + dxExpected[0] + dxExpected[1], 20 + dxExpected[2] + dxExpected[3]},
                        values(dbias), TOL, "dbias accumulates " + acts[a]);
            }
        }
    }

    @Test
    void biasActivationInPlaceWithoutBiasOnAMatrix() {
        try (Tensor x = tensor(cpu, new int[] {2, 2}, -1, 2, 3, -4)) {
            cpu.biasActivationForward(x, null, Activation.RELU, x);
            assertClose(new double[] {0, 2, 3, 0}, values(x), 0, "in-place relu");
            cpu.biasActivationBackward(x, x, Activation.RELU, x, null);
            assertClose(new double[] {0, 2, 3, 0}, values(x), 0, "in-place relu backward");
        }
    }

    // ---------------------------------------------------------------- batch norm

    // x (2, 2, 1, 2): channel 0 holds 1, 2 (sample 0) and 3, 6 (sample 1): mean 3, deviations -2 -1 0 3, sum of
    // squares 14, biased var 3.5, unbiased 14/3. Channel 1 holds 0, 0 and 2, -2: mean 0, sum of squares 8, var 2,
    // unbiased 8/3.
    private static final double[] BN_X = {1, 2, 0, 0, 3, 6, 2, -2};
    private static final double EPS = 1e-5;

    @Test
    void batchNormTrainForwardWithRunningStats() {
        double inv0 = 1 / Math.sqrt(3.5 + EPS);
        double inv1 = 1 / Math.sqrt(2 + EPS);
        // gamma [2, 0.5], beta [1, -1]: y = gamma (x - mean) inv + beta.
        double[] z = {2 * -2 * inv0 + 1, 2 * -1 * inv0 + 1, -1, -1, 1, 2 * 3 * inv0 + 1, 0.5 * 2 * inv1 - 1,
            0.5 * -2 * inv1 - 1};
        for (Activation act : new Activation[] {Activation.IDENTITY, Activation.RELU}) {
            try (Tensor x = tensor(cpu, new int[] {2, 2, 1, 2}, BN_X); Tensor gamma = vector(cpu, 2, 0.5);
                    Tensor beta = vector(cpu, 1, -1); Tensor rm = vector(cpu, 0.5, -0.5);
                    Tensor rv = vector(cpu, 1, 2); Tensor y = cpu.allocate(2, 2, 1, 2);
                    Tensor saveMean = cpu.allocate(2); Tensor saveInv = cpu.allocate(2)) {
                cpu.batchNormTrainForward(x, gamma, beta, (float) EPS, 0.1f, act, rm, rv, y, saveMean, saveInv);
                double[] expected = z.clone();
                if (act == Activation.RELU) {
                    for (int i = 0; i < expected.length; i++) {
                        expected[i] = Math.max(0, expected[i]);
                    }
                }
                assertClose(expected, values(y), 1e-6, "y " + act);
                assertClose(new double[] {3, 0}, values(saveMean), 0, "saveMean");
                assertClose(new double[] {inv0, inv1}, values(saveInv), 1e-6, 1e-6, "saveInvStd");
                // running = 0.9 running + 0.1 batch, unbiased variance: 0.9*0.5 + 0.1*3, 0.9*(-0.5) + 0.1*0,
                // 0.9*1 + 0.1*14/3, 0.9*2 + 0.1*8/3.
                assertClose(new double[] {0.75, -0.45}, values(rm), 1e-6, "runningMean");
                assertClose(new double[] {0.9 + 1.4 / 3, 1.8 + 0.8 / 3}, values(rv), 1e-6, "runningVar");
            }
        }
    }

    @Test
    void batchNormOnMatrixWithoutBetaOrRunningStats() {
        // x (4, 1) = 1, 2, 3, 6: mean 3, var 3.5; gamma 1, no beta.
        try (Tensor x = tensor(cpu, new int[] {4, 1}, 1, 2, 3, 6); Tensor gamma = vector(cpu, 1);
                Tensor y = cpu.allocate(4, 1); Tensor sm = cpu.allocate(1); Tensor si = cpu.allocate(1)) {
            cpu.batchNormTrainForward(x, gamma, null, (float) EPS, 0.1f, Activation.IDENTITY, null, null, y, sm, si);
            double inv = 1 / Math.sqrt(3.5 + EPS);
            assertClose(new double[] {-2 * inv, -inv, 0, 3 * inv}, values(y), 1e-6, "y");
        }
    }

    @Test
    void batchNormEvalForward() {
        // running mean [0.5, -0.5], var [1, 2]; gamma [2, 0.5], beta [1, -1]; LeakyReLU 0.2.
        double i0 = 1 / Math.sqrt(1 + EPS);
        double i1 = 1 / Math.sqrt(2 + EPS);
        double[] z = {2 * 0.5 * i0 + 1, 2 * 1.5 * i0 + 1, 0.5 * 0.5 * i1 - 1, 0.5 * 0.5 * i1 - 1, 2 * 2.5 * i0 + 1,
            2 * 5.5 * i0 + 1, 0.5 * 2.5 * i1 - 1, 0.5 * -1.5 * i1 - 1};
        for (int i = 0; i < z.length; i++) {
            z[i] = z[i] > 0 ? z[i] : 0.2 * z[i];
        }
        try (Tensor x = tensor(cpu, new int[] {2, 2, 1, 2}, BN_X); Tensor gamma = vector(cpu, 2, 0.5);
                Tensor beta = vector(cpu, 1, -1); Tensor rm = vector(cpu, 0.5, -0.5); Tensor rv = vector(cpu, 1, 2);
                Tensor y = cpu.allocate(2, 2, 1, 2)) {
            cpu.batchNormEvalForward(x, gamma, beta, rm, rv, (float) EPS, Activation.leakyRelu(0.2f), y);
            assertClose(z, values(y), 1e-6, "eval y");
            assertClose(new double[] {0.5, -0.5}, values(rm), 0, "eval leaves running mean alone");
        }
    }

    // ---------------------------------------------------------------- convolution

    // Input 3x3 [[1,2,3],[4,5,6],[7,8,9]]; kernel 2x2 [[1,2],[3,4]].
    private static final double[] IMG = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    private static final double[] KER = {1, 2, 3, 4};

    @Test
    void convForwardStride1() {
        // Windows at (0,0): 1+4+12+20 = 37; (0,1): 2+6+15+24 = 47; (1,0): 4+10+21+32 = 67; (1,1): 5+12+24+36 = 77.
        // A second output channel with kernel [[0,0],[0,1]] picks the bottom-right of each window: 5, 6, 8, 9.
        // A second sample, the negated image, gives the negated outputs (this also takes the multi-sample path).
        double[] x2 = new double[18];
        for (int i = 0; i < 9; i++) {
            x2[i] = IMG[i];
            x2[9 + i] = -IMG[i];
        }
        try (Tensor x = tensor(cpu, new int[] {2, 1, 3, 3}, x2);
                Tensor w = tensor(cpu, new int[] {2, 1, 2, 2}, 1, 2, 3, 4, 0, 0, 0, 1);
                Tensor y = cpu.allocate(2, 2, 2, 2)) {
            cpu.convForward(x, w, ConvParams.of(1, 0), y);
            assertClose(new double[] {37, 47, 67, 77, 5, 6, 8, 9, -37, -47, -67, -77, -5, -6, -8, -9}, values(y), 0,
                    "conv stride 1 (small integers are exact in float)");
        }
    }

    @Test
    void convForwardStride2Padding1() {
        // Padded to 5x5, windows start at (2*oh - 1, 2*ow - 1): (0,0) sees only x(0,0)=1 under k(1,1)=4 -> 4;
        // (0,1) sees x(0,1)=2, x(0,2)=3 under k(1,0)=3, k(1,1)=4 -> 18; (1,0) sees x(1,0)=4, x(2,0)=7 under
        // k(0,1)=2, k(1,1)=4 -> 36; (1,1) sees 5, 6, 8, 9 -> 77.
        try (Tensor x = tensor(cpu, new int[] {1, 1, 3, 3}, IMG); Tensor w = tensor(cpu, new int[] {1, 1, 2, 2}, KER);
                Tensor y = cpu.allocate(1, 1, 2, 2)) {
            cpu.convForward(x, w, ConvParams.of(2, 1), y);
            assertClose(new double[] {4, 18, 36, 77}, values(y), 0, "conv stride 2 padding 1");
        }
    }

    @Test
    void convBackwardDataAndFilter() {
        // dy = [[1,0],[0,0]] (stride 1): dx is the kernel placed at the top-left window; dw is that window of x,
        // added to the old dw of ones.
        try (Tensor x = tensor(cpu, new int[] {1, 1, 3, 3}, IMG); Tensor w = tensor(cpu, new int[] {1, 1, 2, 2}, KER);
                Tensor dy = tensor(cpu, new int[] {1, 1, 2, 2}, 1, 0, 0, 0); Tensor dx = cpu.allocate(1, 1, 3, 3);
                Tensor dw = tensor(cpu, new int[] {1, 1, 2, 2}, 1, 1, 1, 1)) {
            cpu.fill(Float.NaN, dx);
            cpu.convBackwardData(dy, w, ConvParams.of(1, 0), dx);
            assertClose(new double[] {1, 2, 0, 3, 4, 0, 0, 0, 0}, values(dx), 0, "dx overwritten");
            cpu.convBackwardFilter(x, dy, ConvParams.of(1, 0), dw);
            assertClose(new double[] {2, 3, 5, 6}, values(dw), 0, "dw accumulated");
        }
    }

    // ---------------------------------------------------------------- losses

    @Test
    void bceWithLogits() {
        // logits [0, 2, -3], targets [1, 0, 0.5]:
        // bce = max(x,0) - x t + log1p(e^-|x|): ln 2 = 0.693147180559945; 2 + log1p(e^-2) = 2.126928011042973;
        // 0 + 1.5 + log1p(e^-3) = 1.548587351573742. Mean = 1.456220838125553.
        // sigmoid: 0.5, 0.880797077977882, 0.047425873177567; grad = scale (sigmoid - t) / 3.
        try (Tensor x = vector(cpu, 0, 2, -3); Tensor t = vector(cpu, 1, 0, 0.5); Tensor loss = cpu.allocate(1);
                Tensor d = cpu.allocate(3)) {
            cpu.bceWithLogitsLoss(x, t, 1f, loss, d);
            assertEquals(1.456220838125553, values(loss)[0], 1e-6);
            assertClose(new double[] {-0.5 / 3, 0.880797077977882 / 3, (0.047425873177567 - 0.5) / 3}, values(d),
                    1e-7, "dlogits");
            cpu.bceWithLogitsLoss(x, t, -0.5f, loss, d);
            assertEquals(-0.5 * 1.456220838125553, values(loss)[0], 1e-6, "scale multiplies the loss");
            assertClose(new double[] {0.25 / 3, -0.5 * 0.880797077977882 / 3, -0.5 * (0.047425873177567 - 0.5) / 3},
                    values(d), 1e-7, "scale multiplies the gradient");
        }
    }

    @Test
    void bceWithLogitsIsStableForHugeLogits() {
        // x = 100, t = 1: 100 - 100 + log1p(e^-100) = 3.7e-44 (float: 0); x = -100, t = 1: 0 + 100 + ~0 = 100.
        // A naive log(sigmoid(x)) would give -inf / NaN here.
        try (Tensor x = vector(cpu, 100, -100); Tensor t = vector(cpu, 1, 1); Tensor loss = cpu.allocate(1);
                Tensor d = cpu.allocate(2)) {
            cpu.bceWithLogitsLoss(x, t, 1f, loss, d);
            assertEquals(50, values(loss)[0], 1e-5);
            assertClose(new double[] {0, -0.5}, values(d), 1e-7, "gradient (sigmoid saturates to 1 and 0)");
        }
    }

    @Test
    void squaredError() {
        // pred [1, -2, 0.5], targets [0, 1, 0.5]: differences 1, -3, 0; loss (1 + 9) / 3; grad 2 d / 3.
        try (Tensor x = vector(cpu, 1, -2, 0.5); Tensor t = vector(cpu, 0, 1, 0.5); Tensor loss = cpu.allocate(1);
                Tensor d = cpu.allocate(3)) {
            cpu.squaredErrorLoss(x, t, 0.5f, loss, d);
            assertEquals(0.5 * 10 / 3, values(loss)[0], 1e-6);
            assertClose(new double[] {0.5 * 2.0 / 3, 0.5 * -6.0 / 3, 0}, values(d), 1e-7, "dpred");
        }
    }

    // ---------------------------------------------------------------- optimizers

    @Test
    void adamFirstStepMovesByLrTimesSign() {
        // Without weight decay, step 1 gives m / bc1 = g and v / bc2 = g^2, so param -= lr g / (|g| + eps).
        try (Tensor g = vector(cpu, 0.1, -0.2); Tensor p = vector(cpu, 1, -2); Tensor m = cpu.allocate(2);
                Tensor v = cpu.allocate(2); Tensor step = cpu.allocate(1)) {
            cpu.adamStep(g, 0.01f, 0.9f, 0.999f, 1e-8f, 0f, p, m, v, step);
            assertClose(new double[] {1 - 0.01, -2 + 0.01}, values(p), 1e-6, "param");
            assertEquals(1, values(step)[0]);
        }
    }

    @Test
    void adamTwoStepsMatchTheFormulaInDouble() {
        double[] p = {1, -2, 0.5};
        double[][] grads = {{0.1, -0.2, 0.3}, {0.05, 0.4, -0.1}};
        float lr = 0.01f;
        float b1 = 0.9f;
        float b2 = 0.999f;
        float eps = 1e-8f;
        float wd = 0.01f;
        double[] m = new double[3];
        double[] v = new double[3];
        try (Tensor pt = vector(cpu, p); Tensor mt = cpu.allocate(3); Tensor vt = cpu.allocate(3);
                Tensor step = cpu.allocate(1); Tensor gt = cpu.allocate(3)) {
            for (int t = 1; t <= 2; t++) {
                cpu.copyFromHost(grads[t - 1], gt);
                cpu.adamStep(gt, lr, b1, b2, eps, wd, pt, mt, vt, step);
                for (int i = 0; i < 3; i++) {
                    double g = grads[t - 1][i] + wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * g;
                    v[i] = b2 * v[i] + (1 - b2) * g * g;
                    p[i] -= lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
                }
                // param, m, v are stored in float between steps: relative 1e-6 covers those roundings.
                assertClose(p, values(pt), 1e-7, 1e-6, "param after step " + t);
                assertClose(m, values(mt), 1e-9, 1e-6, "m after step " + t);
                assertClose(v, values(vt), 1e-12, 1e-6, "v after step " + t);
                assertEquals(t, values(step)[0], "step counter");
            }
        }
    }

    @Test
    void sgdWithMomentumAndWeightDecay() {
        // lr 0.1, momentum 0.9, weight decay 0.1. Element 0: p 1, grads 0.5 then -0.5.
        //   step 1: g = 0.5 + 0.1 = 0.6, buf = 0.6, p = 1 - 0.06 = 0.94
        //   step 2: g = -0.5 + 0.094 = -0.406, buf = 0.54 - 0.406 = 0.134, p = 0.94 - 0.0134 = 0.9266
        // Element 1: p -2, grads 1 then 0.
        //   step 1: g = 1 - 0.2 = 0.8, buf = 0.8, p = -2.08
        //   step 2: g = -0.208, buf = 0.72 - 0.208 = 0.512, p = -2.08 - 0.0512 = -2.1312
        try (Tensor p = vector(cpu, 1, -2); Tensor buf = cpu.allocate(2); Tensor g = vector(cpu, 0.5, 1)) {
            cpu.sgdStep(g, 0.1f, 0.9f, 0.1f, p, buf);
            assertClose(new double[] {0.94, -2.08}, values(p), 1e-6, "param step 1");
            assertClose(new double[] {0.6, 0.8}, values(buf), 1e-6, "buffer step 1");
            cpu.copyFromHost(new double[] {-0.5, 0}, g);
            cpu.sgdStep(g, 0.1f, 0.9f, 0.1f, p, buf);
            assertClose(new double[] {0.9266, -2.1312}, values(p), 1e-6, "param step 2");
            assertClose(new double[] {0.134, 0.512}, values(buf), 1e-6, "buffer step 2");
        }
        // Plain SGD without a buffer: p = 1 - 0.1 * (0.5 + 0.1 * 1) = 0.94.
        try (Tensor p = vector(cpu, 1); Tensor g = vector(cpu, 0.5)) {
            cpu.sgdStep(g, 0.1f, 0f, 0.1f, p, null);
            assertClose(new double[] {0.94}, values(p), 1e-6, "plain sgd");
        }
    }

    @Test
    void deviceDescriptionNamesThreadsAndOpenBlas() {
        String d = cpu.deviceDescription();
        assertTrue(d.contains("2 threads") && d.contains("OpenBLAS"), d);
        assertEquals("cpu", cpu.name());
    }
}
