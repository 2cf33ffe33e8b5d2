package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class BatchNormTest {
    private static CpuBackend f32;
    private static ReferenceBackend f64;
    /** The layer's default eps is the float 1e-5f; the expected values use exactly that number. */
    private static final double EPS = 1e-5f;

    @BeforeAll
    static void open() {
        f32 = CpuBackend.create(1);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f32.close();
        f64.close();
    }

    /** y = gamma (x - mean) / sqrt(var + eps) + beta, channel c = (i / inner) % channels. */
    private static double[] normalize(double[] x, int channels, int inner, double[] mean, double[] var,
            double[] gamma, double[] beta) {
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            int c = (i / inner) % channels;
            y[i] = gamma[c] * (x[i] - mean[c]) / Math.sqrt(var[c] + EPS) + beta[c];
        }
        return y;
    }

    @Test
    void batchNorm1dTrainAndEvalKnownAnswers() {
        // x (4, 2): channel 0 = [1, 2, 3, 6]: mean 3, squared deviations 4 + 1 + 0 + 9 = 14, biased var 14/4 = 3.5,
        // unbiased 14/3; channel 1 = [0, 0, 1, -1]: mean 0, biased var 2/4 = 0.5, unbiased 2/3.
        double[] x = {1, 0, 2, 0, 3, 1, 6, -1};
        double[] gamma = {2, 0.5};
        double[] beta = {0.1, -1};
        BatchNorm1d bn = new BatchNorm1d(2);
        try (Model m = new Model(f32, bn, 1); Tensor xt = tensor(f32, x, 4, 2)) {
            set(bn.weight(), gamma);
            set(bn.bias(), beta);
            assertClose(new double[] {0, 0}, bn.runningMean().value().toDoubleArray(), 0, 0, "initial running mean");
            assertClose(new double[] {1, 1}, bn.runningVar().value().toDoubleArray(), 0, 0, "initial running var");

            Tensor y = m.forward(xt);
            // Float storage of x and y: relative rounding ~1e-7 on values of size <= 3; 1e-6 absolute.
            assertClose(normalize(x, 2, 1, new double[] {3, 0}, new double[] {3.5, 0.5}, gamma, beta),
                    y.toDoubleArray(), 0, 1e-6, "BatchNorm1d train output");
            // running = 0.9 running + 0.1 batch, unbiased variance: mean [0.3, 0], var [0.9 + 14/30, 0.9 + 2/30].
            assertClose(new double[] {0.3, 0}, bn.runningMean().value().toDoubleArray(), 0, 1e-6, "running mean 1");
            assertClose(new double[] {0.9 + 14.0 / 30, 0.9 + 2.0 / 30}, bn.runningVar().value().toDoubleArray(), 0,
                    1e-6, "running var 1 (unbiased)");

            m.forward(xt);
            // Second step: mean 0.9 * 0.3 + 0.3 = 0.57; var 0.9 * (0.9 + 14/30) + 14/30, 0.9 * (0.9 + 2/30) + 2/30.
            double[] rm = {0.57, 0};
            double[] rv = {0.9 * (0.9 + 14.0 / 30) + 14.0 / 30, 0.9 * (0.9 + 2.0 / 30) + 2.0 / 30};
            assertClose(rm, bn.runningMean().value().toDoubleArray(), 0, 1e-6, "running mean 2");
            assertClose(rv, bn.runningVar().value().toDoubleArray(), 0, 1e-6, "running var 2");

            double[] stored = m.stateBuffers().toDoubleArray();
            m.eval();
            Tensor ye = m.forward(xt);
            assertClose(normalize(x, 2, 1, rm, rv, gamma, beta), ye.toDoubleArray(), 0, 1e-6,
                    "BatchNorm1d eval output uses the running statistics");
            assertClose(stored, m.stateBuffers().toDoubleArray(), 0, 0, "eval leaves the running statistics alone");
        }
    }

    @Test
    void batchNorm2dTrainAndEvalKnownAnswers() {
        // x (2, 2, 2, 2). Channel 0 holds 1..8 over (n, h, w): mean 4.5, biased var (8^2 - 1) / 12 = 5.25,
        // unbiased 42 / 7 = 6. Channel 1 holds 0,0,0,4 and -4,0,0,0: mean 0, biased var 32/8 = 4, unbiased 32/7.
        double[] x = {1, 2, 3, 4, 0, 0, 0, 4, 5, 6, 7, 8, -4, 0, 0, 0};
        double[] gamma = {1.5, -0.5};
        double[] beta = {0, 2};
        BatchNorm2d bn = new BatchNorm2d(2, 1e-5f, 0.25f);
        try (Model m = new Model(f32, bn, 1); Tensor xt = tensor(f32, x, 2, 2, 2, 2)) {
            set(bn.weight(), gamma);
            set(bn.bias(), beta);
            Tensor y = m.forward(xt);
            assertClose(normalize(x, 2, 4, new double[] {4.5, 0}, new double[] {5.25, 4}, gamma, beta),
                    y.toDoubleArray(), 0, 1e-6, "BatchNorm2d train output");
            // momentum 0.25: mean 0.25 * 4.5 = 1.125, 0; var 0.75 + 0.25 * 6 = 2.25, 0.75 + 0.25 * 32/7 = 0.75 + 8/7.
            double[] rm = {1.125, 0};
            double[] rv = {2.25, 0.75 + 8.0 / 7};
            assertClose(rm, bn.runningMean().value().toDoubleArray(), 0, 1e-6, "running mean");
            assertClose(rv, bn.runningVar().value().toDoubleArray(), 0, 1e-6, "running var (unbiased)");
            m.eval();
            assertClose(normalize(x, 2, 4, rm, rv, gamma, beta), m.forward(xt).toDoubleArray(), 0, 1e-6,
                    "BatchNorm2d eval output");
        }
    }

    @Test
    void trainGradientsMatchFiniteDifferences() {
        checkBatchNorm(new BatchNorm1d(3), new int[] {4, 3}, true, null);
        checkBatchNorm(new BatchNorm2d(2), new int[] {3, 2, 2, 3}, true, null);
    }

    @Test
    void evalGradientsMatchFiniteDifferences() {
        checkBatchNorm(new BatchNorm1d(3), new int[] {4, 3}, false, null);
        checkBatchNorm(new BatchNorm2d(2), new int[] {3, 2, 2, 3}, false, null);
    }

    @Test
    void fusedActivationGradientsMatchFiniteDifferences() {
        for (boolean train : new boolean[] {true, false}) {
            checkBatchNorm(new BatchNorm2d(2), new int[] {3, 2, 2, 3}, train, new LeakyReLU(0.2f));
            checkBatchNorm(new BatchNorm2d(2), new int[] {3, 2, 2, 3}, train, new ReLU());
            checkBatchNorm(new BatchNorm1d(3), new int[] {4, 3}, train, new Tanh());
            checkBatchNorm(new BatchNorm1d(3), new int[] {4, 3}, train, new Sigmoid());
        }
    }

    /**
     * Gradient check of {@code bn} (fused with {@code act} when not null) in train or eval mode. Eval mode uses
     * running statistics set to values far from (0, 1) so that they matter.
     */
    private static void checkBatchNorm(BatchNorm bn, int[] dims, boolean train, ActivationLayer act) {
        Layer root = act == null ? bn : new Sequential(bn, act);
        int c = dims[1];
        try (Model m = new Model(f64, root, 1); Tensor x = tensor(f64, randn(dims.length * 10 + c, Shape.of(dims)
                .size()), dims)) {
            randomize(m, 17 + c, 0.3);
            if (act != null) {
                assertEquals(act.activation(), bn.fusedActivation(), "Sequential fused the activation into BN");
            }
            setTensor(bn.runningMean().value(), randn(5, c));
            double[] rv = randn(6, c);
            for (int i = 0; i < c; i++) {
                rv[i] = 0.5 + rv[i] * rv[i];
            }
            setTensor(bn.runningVar().value(), rv);
            if (!train) {
                m.eval();
            }
            // Smooth between kinks: truncation error ~eps^2 |f'''| ~ 1e-12, rounding ~1e-16 |f| / eps ~ 1e-10 for
            // |f| ~ 1. rtol 1e-6 and atol 1e-8 leave two orders of margin. A perturbation that crosses the ReLU /
            // LeakyReLU kink is detected by GradCheck (the sign pattern of the output changes) and skipped.
            GradCheck.checkModel(m, x, true, 1e-6, 1e-8, 40 + c, null);
        }
    }

    private static void setTensor(Tensor t, double[] v) {
        t.backend().copyFromHost(v, t);
    }

    @Test
    void backwardUsesTheModeOfTheForward() {
        // Forward in train mode, switch to eval, then backward: the gradient must still be the train-mode one.
        BatchNorm1d bn = new BatchNorm1d(3);
        try (Model m = new Model(f64, bn, 1); Tensor x = tensor(f64, randn(1, 12), 4, 3);
                Tensor dy = tensor(f64, randn(2, 12), 4, 3)) {
            randomize(m, 3, 0.3);
            m.forward(x);
            double[] trainDx = m.backwardToInput(dy).toDoubleArray();
            m.zeroGrad();
            m.forward(x);
            m.eval();
            double[] afterSwitch = m.backwardToInput(dy).toDoubleArray();
            // The same computation on the same values: identical.
            assertClose(trainDx, afterSwitch, 0, 0, "dx after switching to eval between forward and backward");
        }
    }

    @Test
    void rejectsBadShapesAndArguments() {
        assertThrowsWith(IllegalArgumentException.class, () -> new BatchNorm1d(0), "channels >= 1", "got 0");
        assertThrowsWith(IllegalArgumentException.class, () -> new BatchNorm2d(3, 0f, 0.1f), "eps");
        assertThrowsWith(IllegalArgumentException.class, () -> new BatchNorm2d(3, 1e-5f, 1.5f), "momentum",
                "1.5");
        assertThrowsWith(IllegalArgumentException.class, () -> new BatchNorm2d(3, 1e-5f, Float.NaN), "momentum");
        BatchNorm1d bn1 = new BatchNorm1d(2);
        BatchNorm2d bn2 = new BatchNorm2d(2);
        try (Model m1 = new Model(f32, bn1, 1); Model m2 = new Model(f32, bn2, 1);
                Tensor fourD = f32.allocate(4, 2, 1, 1); Tensor twoD = f32.allocate(4, 2);
                Tensor wrongC = f32.allocate(4, 3, 2, 2); Tensor single = f32.allocate(1, 2);
                Tensor dyBad = f32.allocate(3, 2)) {
            assertThrowsWith(IllegalStateException.class, () -> bn1.backward(twoD, true), "before forward");
            assertThrowsWith(IllegalArgumentException.class, () -> m1.forward(fourD), "(N, 2)", "(4, 2, 1, 1)");
            assertThrowsWith(IllegalArgumentException.class, () -> m2.forward(twoD), "(N, 2, H, W)", "(4, 2)");
            assertThrowsWith(IllegalArgumentException.class, () -> m2.forward(wrongC), "(N, 2, H, W)",
                    "(4, 3, 2, 2)");
            // One sample of (N, C) has one value per channel: no variance in training mode.
            assertThrowsWith(IllegalArgumentException.class, () -> m1.forward(single), "(1, 2)");
            m1.forward(twoD);
            assertThrowsWith(IllegalArgumentException.class, () -> m1.backward(dyBad), "expected shape (4, 2)",
                    "got (3, 2)");
            m1.eval();
            assertEquals(Shape.of(1, 2), m1.forward(single).shape(), "eval mode accepts a single sample");
        }
    }
}
