package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import org.gan4j.backend.Philox;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class DropoutTest extends CpuAndReference {
    private static final int N = 20_000;

    private static double[] ramp() {
        double[] x = new double[N];
        for (int i = 0; i < N; i++) {
            x[i] = 1 + (i % 97);
        }
        return x;
    }

    @Test
    void trainZeroesAboutPAndScalesSurvivors() {
        float p = 0.3f;
        double[] x = ramp();
        try (Model m = new Model(f32, new Dropout(p), 42); Tensor xt = tensor(f32, x, 100, N / 100)) {
            double[] y = m.forward(xt).toDoubleArray();
            int zeros = 0;
            for (int i = 0; i < N; i++) {
                if (y[i] == 0) {
                    zeros++;
                } else if (Math.abs(y[i] - x[i] / (1 - p)) > 1e-6 * x[i] / (1 - p)) {
                    // Survivors are x / (1 - p), rounded once to float: relative 6e-8 < 1e-6.
                    fail("survivor " + i + " is " + y[i] + ", expected x / (1 - p) = " + x[i] / (1 - p));
                }
            }
            // Binomial(N, p): sd of the share = sqrt(p (1 - p) / N) = 0.0032; 5 sd = 0.016.
            double share = zeros / (double) N;
            assertEquals(p, share, 0.016, "share of zeros");
        }
    }

    @Test
    void maskFollowsThePhiloxStreamAndGradientUsesIt() {
        // Backend contract: mask_i = (u_i >= p) / (1 - p), u_i = uniform(word i % 4 of block counter + i / 4), the
        // model's stream keyed by its seed and starting at counter 0. The expected mask is computed here from the
        // Philox reference, the gradient must use the same mask, and the next forward draws fresh numbers.
        float p = 0.5f;
        long seed = 1234;
        int n = 1000;
        double[] x = ramp();
        double[] xs = java.util.Arrays.copyOf(x, n);
        try (Model m = new Model(f32, new Dropout(p), seed); Tensor xt = tensor(f32, xs, 10, 100);
                Tensor dy = tensor(f32, randn(1, n), 10, 100)) {
            double[] y = m.forward(xt).toDoubleArray();
            double[] mask = philoxMask(seed, 0, n, p);
            for (int i = 0; i < n; i++) {
                // 1 / (1 - 0.5) = 2 exactly: products are exact in float.
                assertEquals(xs[i] * mask[i], y[i], 0.0, "element " + i);
            }
            double[] dyh = dy.toDoubleArray();
            double[] dx = m.backwardToInput(dy).toDoubleArray();
            for (int i = 0; i < n; i++) {
                assertEquals(dyh[i] * mask[i], dx[i], 0.0, "gradient element " + i);
            }
            double[] y2 = m.forward(xt).toDoubleArray();
            double[] mask2 = philoxMask(seed, Philox.blocks(n, 4), n, p);
            int differ = 0;
            for (int i = 0; i < n; i++) {
                assertEquals(xs[i] * mask2[i], y2[i], 0.0, "second draw, element " + i);
                differ += (mask[i] != mask2[i]) ? 1 : 0;
            }
            assertTrue(differ > n / 4, "a second forward draws a new mask (differs at " + differ + " of " + n + ")");
        }
    }

    private static double[] philoxMask(long seed, long counter, int n, float p) {
        double[] mask = new double[n];
        int[] words = new int[4];
        for (int i = 0; i < n; i++) {
            if (i % 4 == 0) {
                Philox.block(seed, counter + i / 4, words);
            }
            mask[i] = Philox.uniform(words[i % 4]) >= p ? 1 / (1 - (double) p) : 0;
        }
        return mask;
    }

    @Test
    void evalIsIdentityAndPZeroKeepsEverything() {
        double[] x = java.util.Arrays.copyOf(ramp(), 60);
        try (Model m = new Model(f32, new Dropout(0.5f), 1); Tensor xt = tensor(f32, x, 6, 10);
                Tensor dy = tensor(f32, randn(2, 60), 6, 10)) {
            m.eval();
            assertClose(x, m.forward(xt).toDoubleArray(), 0, 0, "eval: identity");
            assertClose(dy.toDoubleArray(), m.backwardToInput(dy).toDoubleArray(), 0, 0, "eval: dx = dy");
        }
        try (Model m = new Model(f32, new Dropout(0f), 1); Tensor xt = tensor(f32, x, 6, 10)) {
            assertClose(x, m.forward(xt).toDoubleArray(), 0, 0, "p = 0: identity in training mode too");
        }
    }

    @Test
    void gradientMatchesFiniteDifferencesWithTheSameMask() {
        // Rewinding the stream before every forward makes the objective a fixed (linear) function of x.
        Linear lin = new Linear(4, 6);
        try (Model m = new Model(f64, new Sequential(lin, new Dropout(0.4f), new Linear(6, 3)), 9);
                Tensor x = tensor(f64, randn(3, 20), 5, 4)) {
            NnTesting.randomize(m, 4, 0.5);
            // Piecewise linear with a fixed mask: exact up to rounding ~1e-10. rtol 1e-7, atol 1e-8.
            GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 10, () -> m.random().setCounter(0));
        }
    }

    @Test
    void rejectsBadArgumentsAndOrder() {
        assertThrowsWith(IllegalArgumentException.class, () -> new Dropout(1f), "[0, 1)", "got 1.0");
        assertThrowsWith(IllegalArgumentException.class, () -> new Dropout(-0.1f), "[0, 1)");
        assertThrowsWith(IllegalArgumentException.class, () -> new Dropout(Float.NaN), "[0, 1)");
        Dropout d = new Dropout(0.5f);
        try (Model m = new Model(f32, d, 1); Tensor x = f32.allocate(2, 3); Tensor dyBad = f32.allocate(3, 2)) {
            assertThrowsWith(IllegalStateException.class, () -> d.backward(x, true), "before forward");
            m.forward(x);
            assertThrowsWith(IllegalArgumentException.class, () -> m.backwardToInput(dyBad),
                    "expected shape (2, 3)", "got (3, 2)");
            m.eval();
            m.forward(x);
            assertThrowsWith(IllegalArgumentException.class, () -> m.backwardToInput(dyBad),
                    "expected shape (2, 3)", "got (3, 2)");
        }
    }
}
