package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.tensor;
import static org.gan4j.nn.NnTesting.uniform;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.function.Supplier;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class ActivationLayerTest extends CpuAndReference {
    private static final double[] X = {-2, -0.5, 0, 0.5, 3};

    /** Forward of {@code layer} on X, and backward of dy = 1 (giving the derivative), in F64. */
    private static void checkKnown(ActivationLayer layer, double[] expectedY, double[] expectedDerivative) {
        try (Model m = new Model(f64, layer, 1); Tensor x = tensor(f64, X, 1, 5);
                Tensor ones = tensor(f64, new double[] {1, 1, 1, 1, 1}, 1, 5)) {
            Tensor y = m.forward(x);
            assertEquals(Shape.of(1, 5), y.shape());
            // Expected values are exact or 16-17 significant digits (double): 1e-15 relative.
            assertClose(expectedY, y.toDoubleArray(), 1e-15, 1e-15, layer + " forward");
            assertClose(expectedDerivative, m.backwardToInput(ones).toDoubleArray(), 1e-14, 1e-15,
                    layer + " derivative");
        }
    }

    @Test
    void reluKnownAnswers() {
        // Derivative at 0 is 0, as PyTorch's (y > 0).
        checkKnown(new ReLU(), new double[] {0, 0, 0, 0.5, 3}, new double[] {0, 0, 0, 1, 1});
    }

    @Test
    void leakyReluKnownAnswers() {
        // Derivative at 0 is the slope, as PyTorch's (x > 0 ? 1 : slope). Slope 0.2 as a float is 0.2f.
        double s = 0.2f;
        checkKnown(new LeakyReLU(0.2f), new double[] {-2 * s, -0.5 * s, 0, 0.5, 3}, new double[] {s, s, s, 1, 1});
        double d = 0.01f;
        checkKnown(new LeakyReLU(), new double[] {-2 * d, -0.5 * d, 0, 0.5, 3}, new double[] {d, d, d, 1, 1});
    }

    @Test
    void tanhKnownAnswers() {
        // tanh(0.5) = 0.46211715726000974, tanh(2) = 0.9640275800758169, tanh(3) = 0.9950547536867305;
        // derivative 1 - tanh^2.
        double[] t = {-0.9640275800758169, -0.46211715726000974, 0, 0.46211715726000974, 0.9950547536867305};
        double[] d = new double[5];
        for (int i = 0; i < 5; i++) {
            d[i] = 1 - t[i] * t[i];
        }
        checkKnown(new Tanh(), t, d);
    }

    @Test
    void sigmoidKnownAnswers() {
        // 1 / (1 + e^2) = 0.11920292202211755, 1 / (1 + e^0.5) = 0.3775406687981454, 1 / (1 + e^-3) =
        // 0.9525741268224334; derivative s (1 - s).
        double[] s = {0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.9525741268224334};
        double[] d = new double[5];
        for (int i = 0; i < 5; i++) {
            d[i] = s[i] * (1 - s[i]);
        }
        checkKnown(new Sigmoid(), s, d);
    }

    @Test
    void sigmoidAndTanhSaturateWithoutNaN() {
        try (Model m = new Model(f32, new Sigmoid(), 1); Model t = new Model(f32, new Tanh(), 1);
                Tensor x = tensor(f32, new double[] {-800, -90, 90, 800}, 4, 1)) {
            assertClose(new double[] {0, 0, 1, 1}, m.forward(x).toDoubleArray(), 0, 1e-30, "sigmoid saturates");
            assertClose(new double[] {-1, -1, 1, 1}, t.forward(x).toDoubleArray(), 0, 0, "tanh saturates");
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // Inputs uniform in [0.05, 2] with random sign: at least 0.05 from the ReLU/LeakyReLU kink, far beyond the
        // 1e-6 perturbation, so every function is smooth where it is differentiated.
        double[] x = uniform(3, 24, 0.05, 2);
        double[] signs = uniform(4, 24, -1, 1);
        for (int i = 0; i < x.length; i++) {
            x[i] = signs[i] < 0 ? -x[i] : x[i];
        }
        for (Supplier<ActivationLayer> make : java.util.List.<Supplier<ActivationLayer>>of(ReLU::new,
                () -> new LeakyReLU(0.2f), Tanh::new, Sigmoid::new)) {
            try (Model m = new Model(f64, make.get(), 1); Tensor xt = tensor(f64, x, 2, 3, 2, 2)) {
                // Truncation ~eps^2 |f'''| <= 1e-12, rounding ~1e-16 |f| / eps ~ 1e-10: rtol 1e-7, atol 1e-9.
                GradCheck.checkModel(m, xt, true, 1e-7, 1e-9, 5, null);
            }
        }
    }

    @Test
    void rejectsBadArgumentsAndShapes() {
        assertThrowsWith(IllegalArgumentException.class, () -> new LeakyReLU(-0.1f), "slope", "-0.1");
        assertThrowsWith(IllegalArgumentException.class, () -> new LeakyReLU(1.5f), "slope", "1.5");
        ReLU relu = new ReLU();
        try (Model m = new Model(f32, relu, 1); Tensor x = f32.allocate(2, 3); Tensor dyBad = f32.allocate(3, 2)) {
            assertThrowsWith(IllegalStateException.class, () -> relu.backward(x, true), "before forward");
            m.forward(x);
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyBad), "expected shape (2, 3)",
                    "got (3, 2)");
            assertNull(relu.backward(x, false), "no input gradient when not asked");
        }
    }
}
