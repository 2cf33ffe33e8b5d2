package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;

import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SpectralNormTest {
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f64.close();
    }

    // W = [[1, 2, 3], [-1, 0.5, 2]]: W W^T = [[14, 6], [6, 5.25]], trace 19.25, determinant 37.5
    private static final double[] W = {1, 2, 3, -1, 0.5, 2};

    @Test
    void dividesByTheLargestSingularValue() {
        double sigma = Math.sqrt((19.25 + Math.sqrt(19.25 * 19.25 - 4 * 37.5)) / 2); // 4.12925...
        Linear lin = new Linear(3, 2, false, true);
        try (Model m = new Model(f64, lin, 1); Tensor eye = tensor(f64, new double[] {1, 0, 0, 0, 1, 0, 0, 0, 1}, 3,
                3)) {
            set(lin.weight(), W);
            for (int i = 0; i < 40; i++) {
                m.forward(eye); // one power-iteration step each; the error shrinks by (s2/s1)^2 = 0.13 per step
            }
            // rows of y = I W_sn^T are the columns of W / sigma
            double[] expected = new double[6];
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 2; c++) {
                    expected[r * 2 + c] = W[c * 3 + r] / sigma;
                }
            }
            assertClose(expected, m.forward(eye).toDoubleArray(), 1e-12, 1e-14, "I W_sn^T");
            assertClose(W, lin.weight().value().toDoubleArray(), 0, 0, "the parameter keeps W itself");
            Map<String, float[]> state = m.stateDict();
            assertTrue(state.containsKey("weight_u") && state.containsKey("weight_v"), state.keySet().toString());
            assertEquals("Linear(3, 2, bias=false, sn)", lin.toString());
        }
    }

    @Test
    void finiteDifferencesThroughSigmaForLinearAndConv() {
        // Evaluation mode holds v (the power-iteration estimate) fixed, which makes W -> W / ||W v|| a fixed
        // function; its gradient (dW_sn - <dW_sn, W_sn> u v^T) / sigma is exactly what training uses too (PyTorch
        // also treats u and v as constants). Double precision, eps 1e-6: errors of order 1e-10 relative.
        Sequential mlp = new Sequential(new Linear(3, 4, true, true), new Tanh(), new Linear(4, 2, true, true));
        Sequential conv = new Sequential(new Conv2d(2, 3, 3, 1, 1, true, true), new Tanh(), new Flatten(),
                new Linear(3 * 4 * 4, 1, false, true));
        for (Sequential net : List.of(mlp, conv)) {
            boolean isConv = net == conv;
            try (Model m = new Model(f64, net, 3);
                    Tensor x = tensor(f64, NnTesting.randn(7, isConv ? 2 * 2 * 4 * 4 : 5 * 3),
                            isConv ? new int[] {2, 2, 4, 4} : new int[] {5, 3})) {
                randomize(m, 11, 0.7);
                for (int i = 0; i < 3; i++) {
                    m.forward(x); // a few training steps of power iteration: v is a fair, not a converged, estimate
                }
                m.eval();
                GradCheck.checkModel(m, x, true, 1e-6, 1e-9, 13, null);
            }
        }
    }

    @Test
    void theEstimateIsCheckpointedAndRestored() {
        Linear a = new Linear(3, 2, true, true);
        Linear b = new Linear(3, 2, true, true);
        try (Model ma = new Model(f64, a, 1); Model mb = new Model(f64, b, 1);
                Tensor x = tensor(f64, NnTesting.randn(3, 6), 2, 3)) {
            randomize(ma, 5, 1);
            ma.forward(x); // moves u and v away from their initial values
            mb.loadStateDict(ma.stateDict(), List.of());
            ma.eval();
            mb.eval();
            assertArrayEquals(ma.forward(x).toDoubleArray(), mb.forward(x).toDoubleArray(), 1e-7,
                    "same W, u, v give the same W_sn (the state dict holds floats)");
        }
    }
}
