package org.gan4j.testing;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Model;
import org.gan4j.nn.ReLU;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The checker itself: it passes right gradients, fails wrong ones, and sets kink crossings aside. */
class GradCheckTest {
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f64.close();
    }

    /** f(x) = sum x_i^3 read back from the tensor; gradient 3 x_i^2. */
    private static double cubeSum(Tensor t) {
        double s = 0;
        for (double v : t.toDoubleArray()) {
            s += v * v * v;
        }
        return s;
    }

    @Test
    void passesRightAndFailsWrongGradients() {
        int n = 500; // above FULL_CHECK_MAX: check() takes random directions
        double[] x = GradCheck.gaussian(new SplittableRandom(1), n);
        try (Tensor small = f64.allocate(10); Tensor large = f64.allocate(n)) {
            f64.copyFromHost(java.util.Arrays.copyOf(x, 10), small);
            f64.copyFromHost(x, large);
            double[] g = new double[n];
            for (int i = 0; i < n; i++) {
                g[i] = 3 * x[i] * x[i];
            }
            double[] gSmall = java.util.Arrays.copyOf(g, 10);
            // Truncation eps^2 f'''/6 = 1e-12; rounding ~1e-16 |f| / eps with |f| <~ 100: 1e-8. rtol 1e-6, atol 1e-7;
            // the wrong gradients below are off by 1e-4 absolute and 0.1% relative.
            GradCheck.check("x", small, gSmall, () -> cubeSum(small), 1e-6, 1e-7, 2);
            GradCheck.check("x", large, g, () -> cubeSum(large), 1e-6, 1e-7, 2);

            gSmall[3] += 1e-4;
            AssertionError e = assertThrows(AssertionError.class,
                    () -> GradCheck.checkFull("x", small, gSmall, () -> cubeSum(small), 1e-6, 1e-7));
            assertTrue(e.getMessage().contains("wrong at 1 of 10") && e.getMessage().contains("[3]"), e.getMessage());

            double[] scaled = g.clone();
            for (int i = 0; i < n; i++) {
                scaled[i] *= 1.001;
            }
            e = assertThrows(AssertionError.class,
                    () -> GradCheck.check("x", large, scaled, () -> cubeSum(large), 1e-6, 1e-7, 2));
            assertTrue(e.getMessage().contains("random directions"), e.getMessage());
            assertTrue(java.util.Arrays.equals(x, large.toDoubleArray()), "values restored after the check");
        }
    }

    @Test
    void setsKinkCrossingsAside() {
        // ReLU on 40 values, one of them 5e-7 from the kink: a central difference with eps 1e-6 sees slope 0.75
        // there instead of 1. Tracking the activation pattern skips that element (1 of 40 < 5%).
        double[] x = GradCheck.gaussian(new SplittableRandom(3), 40);
        x[7] = 5e-7;
        try (Model m = new Model(f64, new ReLU(), 1); Tensor xt = f64.allocate(4, 10)) {
            f64.copyFromHost(x, xt);
            // Piecewise linear: exact up to rounding ~1e-10 away from the kink. rtol 1e-7, atol 1e-9.
            GradCheck.checkModel(m, xt, true, 1e-7, 1e-9, 4, null);

            // Without the pattern the same point fails at element 7.
            double[] w = GradCheck.gaussian(new SplittableRandom(4), 40);
            double[] analytic = new double[40];
            for (int i = 0; i < 40; i++) {
                analytic[i] = x[i] > 0 ? w[i] : 0;
            }
            AssertionError e = assertThrows(AssertionError.class, () -> GradCheck.checkFull("x", xt, analytic,
                    () -> GradCheck.dot(m.forward(xt).toDoubleArray(), w), 1e-7, 1e-9));
            assertTrue(e.getMessage().contains("[7]"), e.getMessage());
        }
    }

    @Test
    void rejectsFloatTensors() {
        try (CpuBackend f32 = CpuBackend.create(1); Tensor t = f32.allocate(3)) {
            assertThrows(IllegalArgumentException.class,
                    () -> GradCheck.checkFull("t", t, new double[3], () -> 0.0, 1e-7, 1e-9));
        }
    }
}
