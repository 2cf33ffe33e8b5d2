package org.gan4j.optim;

import static org.gan4j.optim.AdamTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Init;
import org.gan4j.nn.Linear;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

class SgdTest {
    @Test
    void twoStepsWithMomentumAndDecayMatchTheFormula() {
        double lr = 0.1f, mu = 0.9f, wd = 0.01f; // the values as the float arguments round them
        try (ReferenceBackend b = ReferenceBackend.create();
                Model model = new Model(b, new Linear(3, 2), 1).initialize(Init.PYTORCH_DEFAULT, 3);
                Sgd sgd = new Sgd(model, 0.1f, 0.9f, 0.01f)) {
            int n = model.parameters().size();
            double[] p = model.parameters().toDoubleArray();
            double[] buf = new double[n];
            for (int t = 1; t <= 2; t++) {
                double[] g = new double[n];
                for (int i = 0; i < 8; i++) {
                    g[i] = (t == 1 ? 1 : -0.5) * (i - 3.5);
                }
                model.zeroGrad();
                b.copyFromHost(g, model.gradients());
                sgd.step();
                for (int i = 0; i < n; i++) {
                    double gi = g[i] + wd * p[i];
                    buf[i] = t == 1 ? gi : mu * buf[i] + gi; // PyTorch: the first buffer is the gradient itself
                    p[i] -= lr * buf[i];
                }
                // F64 backend evaluating the same formula: agreement to rounding
                assertArrayEquals(p, model.parameters().toDoubleArray(), 1e-14, "parameters after step " + t);
            }
            assertArrayEquals(AdamTest.toFloat(buf), sgd.state().get("momentum_buffer"), 1e-6f);
        }
    }

    @Test
    void withoutMomentumItEqualsADirectBackendCallAndHasNoState() {
        try (CpuBackend b = CpuBackend.create(1);
                Model model = new Model(b, new Linear(3, 2), 1).initialize(Init.PYTORCH_DEFAULT, 3);
                Sgd sgd = new Sgd(model, 0.05f, 0f, 0f); Tensor p = b.allocate(model.parameters().shape());
                Tensor g = b.allocate(p.shape())) {
            b.copy(model.parameters(), p);
            float[] grad = new float[p.size()];
            for (int i = 0; i < 8; i++) {
                grad[i] = i - 4;
            }
            b.copyFromHost(grad, model.gradients());
            b.copyFromHost(grad, g);
            sgd.step();
            b.sgdStep(g, 0.05f, 0f, 0f, p, null);
            assertArrayEquals(p.toFloatArray(), model.parameters().toFloatArray());
            assertTrue(sgd.state().isEmpty());
            sgd.loadState(Map.of());
            assertMessage(() -> sgd.loadState(Map.of("momentum_buffer", new float[p.size()])), "unexpected");
            assertMessage(() -> new Sgd(model, 0.1f, 1.5f, 0f), "momentum", "1.5");
            assertMessage(() -> new Sgd(model, Float.NaN, 0f, 0f), "lr", "NaN");
        }
    }
}
