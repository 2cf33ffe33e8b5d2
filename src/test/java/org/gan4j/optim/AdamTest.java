package org.gan4j.optim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Init;
import org.gan4j.nn.Linear;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class AdamTest {
    private static final double LR = 0.01;
    private static final double B1 = 0.9;
    private static final double B2 = 0.99;
    private static final double EPS = 1e-8;
    private static final double WD = 0.1;

    /** A Linear(3, 2): 6 weights and 2 biases, then zero padding in the flat buffer. */
    private static Model tinyModel(Backend b) {
        return new Model(b, new Linear(3, 2), 1).initialize(Init.PYTORCH_DEFAULT, 7);
    }

    /** A gradient for the flat buffer: distinct values where parameters are, zero in the padding. */
    private static double[] gradient(int size, double scale) {
        double[] g = new double[size];
        for (int i = 0; i < 8; i++) {
            g[i] = scale * (i - 3.5) / 4; // both signs, none zero
        }
        return g;
    }

    @Test
    void twoStepsMatchTheFormulaInDouble() {
        try (ReferenceBackend b = ReferenceBackend.create(); Model model = tinyModel(b);
                Adam adam = new Adam(model, (float) LR, (float) B1, (float) B2, (float) EPS, (float) WD)) {
            int n = model.parameters().size();
            double[] p = model.parameters().toDoubleArray();
            double[] m = new double[n];
            double[] v = new double[n];
            // the hyper-parameters pass through float, so the reference uses the same rounded values
            double lr = (float) LR, b1 = (float) B1, b2 = (float) B2, eps = (float) EPS, wd = (float) WD;
            for (int t = 1; t <= 2; t++) {
                double[] g = gradient(n, t == 1 ? 1.0 : -0.3);
                model.zeroGrad();
                b.copyFromHost(g, model.gradients());
                adam.step();
                for (int i = 0; i < n; i++) {
                    double gi = g[i] + wd * p[i];
                    m[i] = b1 * m[i] + (1 - b1) * gi;
                    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
                    double mHat = m[i] / (1 - Math.pow(b1, t));
                    double vHat = v[i] / (1 - Math.pow(b2, t));
                    p[i] -= lr * mHat / (Math.sqrt(vHat) + eps);
                }
                // F64 backend, same formula in double: only the order of a few operations can differ
                assertArrayEquals(p, model.parameters().toDoubleArray(), 1e-14, "parameters after step " + t);
            }
            Map<String, float[]> state = adam.state();
            assertEquals(2f, state.get("step")[0], "step count");
            assertArrayEquals(toFloat(m), state.get("exp_avg"), 1e-7f, "exp_avg"); // float copy of a double
            assertArrayEquals(toFloat(v), state.get("exp_avg_sq"), 1e-7f, "exp_avg_sq");
            // the padding after the 8 parameters has zero gradient and zero value: it must stay zero
            assertEquals(0.0, model.parameters().toDoubleArray()[n - 1], "padding");
        }
    }

    @Test
    void firstStepMovesEachParameterByLrTimesSignOfGradient() {
        // An independent hand check of Adam's first step (no decay): m_hat = g, v_hat = g^2, so the update is
        // lr * g / (|g| + eps) = lr * sign(g) up to eps/|g|.
        try (ReferenceBackend b = ReferenceBackend.create(); Model model = tinyModel(b);
                Adam adam = new Adam(model, 0.01f, 0.5f, 0.999f, 1e-8f, 0f)) {
            double[] before = model.parameters().toDoubleArray();
            double[] g = gradient(before.length, 1.0);
            b.copyFromHost(g, model.gradients());
            adam.step();
            double[] after = model.parameters().toDoubleArray();
            for (int i = 0; i < 8; i++) {
                // |g| >= 0.125, so eps changes the step by at most 1e-8 / 0.125 relative: 1e-9 absolute covers it
                assertEquals(before[i] - 0.01f * Math.signum(g[i]), after[i], 1e-9, "parameter " + i);
            }
        }
    }

    @Test
    void stepEqualsADirectBackendCall() {
        try (CpuBackend b = CpuBackend.create(1); Model model = tinyModel(b);
                Adam adam = Adam.gan(model, 2e-4f);
                Tensor p = b.allocate(model.parameters().shape()); Tensor g = b.allocate(p.shape());
                Tensor m = b.allocate(p.shape()); Tensor v = b.allocate(p.shape());
                Tensor step = b.allocate(Shape.of(1))) {
            b.copy(model.parameters(), p);
            for (int t = 1; t <= 2; t++) {
                float[] grad = toFloat(gradient(p.size(), t));
                model.zeroGrad();
                b.copyFromHost(grad, model.gradients());
                b.copyFromHost(grad, g);
                adam.step();
                b.adamStep(g, 2e-4f, 0.5f, 0.999f, 1e-8f, 0f, p, m, v, step);
                // the same op on the same float inputs: bit for bit
                assertArrayEquals(p.toFloatArray(), model.parameters().toFloatArray(), "parameters, step " + t);
            }
            assertArrayEquals(m.toFloatArray(), adam.state().get("exp_avg"));
            assertArrayEquals(v.toFloatArray(), adam.state().get("exp_avg_sq"));
        }
    }

    /**
     * The rate lives in a backend tensor read when the step runs (what lets a CUDA graph follow a schedule): a rate
     * changed between steps is the one the next step uses, bit for bit as the float-rate op with that rate, on both
     * CPU backends.
     */
    @Test
    void aChangedRateIsReadByTheNextStep() {
        float[] rates = {1e-3f, 5e-4f, 2.5e-4f, 1e-3f};
        for (Backend b : new Backend[] {CpuBackend.create(1), ReferenceBackend.create()}) {
            try (b; Model model = tinyModel(b); Adam adam = Adam.gan(model, rates[0]);
                    Tensor p = b.allocate(model.parameters().shape()); Tensor g = b.allocate(p.shape());
                    Tensor m = b.allocate(p.shape()); Tensor v = b.allocate(p.shape());
                    Tensor step = b.allocate(Shape.of(1))) {
                b.copy(model.parameters(), p);
                for (int t = 0; t < rates.length; t++) {
                    double[] grad = gradient(p.size(), t + 1);
                    b.copyFromHost(grad, model.gradients());
                    b.copyFromHost(grad, g);
                    adam.setLearningRate(rates[t]);
                    adam.step();
                    b.adamStep(g, rates[t], 0.5f, 0.999f, 1e-8f, 0f, p, m, v, step);
                    assertArrayEquals(p.toDoubleArray(), model.parameters().toDoubleArray(),
                            b.name() + ": parameters after step " + (t + 1) + " at lr " + rates[t]);
                }
            }
        }
    }

    @Test
    void theRateTensorMustHoldOneValid() {
        try (CpuBackend b = CpuBackend.create(1); Tensor g = b.allocate(4); Tensor p = b.allocate(4);
                Tensor m = b.allocate(4); Tensor v = b.allocate(4); Tensor step = b.allocate(1);
                Tensor two = b.allocate(2); Tensor one = b.allocate(1)) {
            assertMessage(() -> b.adamStep(g, two, 0.5f, 0.999f, 1e-8f, 0f, p, m, v, step), "lr", "1-element");
            b.fill(Float.NaN, one);
            assertMessage(() -> b.adamStep(g, one, 0.5f, 0.999f, 1e-8f, 0f, p, m, v, step), "lr", "NaN");
        }
    }

    @Test
    void savedStateResumesExactly() {
        try (CpuBackend b = CpuBackend.create(1); Model a = tinyModel(b); Model c = tinyModel(b);
                Adam adamA = Adam.gan(a, 1e-3f); Adam adamC = Adam.gan(c, 1e-3f)) {
            float[] g1 = toFloat(gradient(a.parameters().size(), 1));
            float[] g2 = toFloat(gradient(a.parameters().size(), -2));
            b.copyFromHost(g1, a.gradients());
            adamA.step();
            Map<String, float[]> saved = adamA.state();
            b.copy(a.parameters(), c.parameters());
            adamC.loadState(saved);
            b.copyFromHost(g2, a.gradients());
            b.copyFromHost(g2, c.gradients());
            adamA.step();
            adamC.step();
            assertArrayEquals(a.parameters().toFloatArray(), c.parameters().toFloatArray());
        }
    }

    @Test
    void badArgumentsNameTheField() {
        try (CpuBackend b = CpuBackend.create(1); Model model = tinyModel(b)) {
            assertMessage(() -> new Adam(model, Float.NaN, 0.5f, 0.999f, 1e-8f, 0f), "lr", "NaN");
            assertMessage(() -> new Adam(model, -1f, 0.5f, 0.999f, 1e-8f, 0f), "lr", "-1.0");
            assertMessage(() -> new Adam(model, 1e-3f, 1f, 0.999f, 1e-8f, 0f), "beta1", "1.0");
            assertMessage(() -> new Adam(model, 1e-3f, 0.5f, -0.1f, 1e-8f, 0f), "beta2", "-0.1");
            assertMessage(() -> new Adam(model, 1e-3f, 0.5f, 0.999f, Float.POSITIVE_INFINITY, 0f), "eps",
                    "Infinity");
            assertMessage(() -> new Adam(model, 1e-3f, 0.5f, 0.999f, 1e-8f, -1f), "weightDecay", "-1.0");
            try (Adam adam = Adam.gan(model, 1e-3f)) {
                assertMessage(() -> adam.setLearningRate(Float.NaN), "lr", "NaN");
                adam.setLearningRate(5e-4f);
                assertEquals(5e-4f, adam.learningRate());
                assertMessage(() -> adam.loadState(Map.of("exp_avg", new float[3])), "exp_avg", "3 values");
                assertMessage(() -> adam.loadState(Map.of("momentum_buffer", new float[3])), "momentum_buffer",
                        "unexpected");
            }
        }
    }

    static void assertMessage(Runnable r, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should contain '" + part + "'");
        }
    }

    static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
