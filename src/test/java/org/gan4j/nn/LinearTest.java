package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class LinearTest extends CpuAndReference {
    // W = [[1, 2, 3], [-1, 0.5, 2]], b = [0.5, -1], x = [[1, 0, -1], [2, 1, 0.5]]
    private static final double[] W = {1, 2, 3, -1, 0.5, 2};
    private static final double[] B = {0.5, -1};
    private static final double[] X = {1, 0, -1, 2, 1, 0.5};

    @Test
    void knownAnswerWithBias() {
        Linear lin = new Linear(3, 2);
        try (Model m = new Model(f32, lin, 1); Tensor x = tensor(f32, X, 2, 3);
                Tensor dy = tensor(f32, new double[] {1, 0, 0, 1}, 2, 2)) {
            set(lin.weight(), W);
            set(lin.bias(), B);
            Tensor y = m.forward(x);
            assertEquals(Shape.of(2, 2), y.shape());
            // y00 = 1 + 0 - 3 + 0.5; y01 = -1 + 0 - 2 - 1; y10 = 2 + 2 + 1.5 + 0.5; y11 = -2 + 0.5 + 1 - 1.
            // The values and products are exact in float; tolerance 1e-6 covers any summation-order rounding.
            assertClose(new double[] {-1.5, -4, 6, -1.5}, y.toDoubleArray(), 0, 1e-6, "Linear forward");

            // dy = identity: dW = dy^T x = x (row per output), db = column sums of dy = [1, 1], dx = dy W = W.
            Tensor dx = m.backwardToInput(dy);
            assertClose(X, lin.weight().grad().toDoubleArray(), 0, 1e-6, "Linear dW");
            assertClose(new double[] {1, 1}, lin.bias().grad().toDoubleArray(), 0, 1e-6, "Linear db");
            assertClose(W, dx.toDoubleArray(), 0, 1e-6, "Linear dx");
        }
    }

    @Test
    void knownAnswerWithoutBias() {
        Linear lin = new Linear(3, 2, false);
        assertNull(lin.bias());
        try (Model m = new Model(f32, lin, 1); Tensor x = tensor(f32, X, 2, 3);
                Tensor dy = tensor(f32, new double[] {2, -1, 0, 3}, 2, 2)) {
            assertEquals(1, m.namedParameters().size(), "only the weight");
            set(lin.weight(), W);
            Tensor y = m.forward(x);
            assertClose(new double[] {-2, -3, 5.5, -0.5}, y.toDoubleArray(), 0, 1e-6, "Linear forward, no bias");
            // dW = dy^T x: row 0 = 2 x0 + 0 x1 = [2, 0, -2]; row 1 = -1 x0 + 3 x1 = [5, 3, 2.5].
            // dx = dy W: row 0 = 2 W0 - W1 = [3, 3.5, 4]; row 1 = 3 W1 = [-3, 1.5, 6].
            Tensor dx = m.backwardToInput(dy);
            assertClose(new double[] {2, 0, -2, 5, 3, 2.5}, lin.weight().grad().toDoubleArray(), 0, 1e-6, "dW");
            assertClose(new double[] {3, 3.5, 4, -3, 1.5, 6}, dx.toDoubleArray(), 0, 1e-6, "dx");
        }
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        for (boolean bias : new boolean[] {true, false}) {
            Linear lin = new Linear(5, 4, bias);
            try (Model m = new Model(f64, lin, 1); Tensor x = tensor(f64, randn(7, 15), 3, 5)) {
                randomize(m, 11, 0.5);
                // The objective is bilinear in (x, W) and linear in b, so central differences are exact up to
                // rounding: ~1e-16 * |f| / eps ~ 1e-10 for |f| ~ 1. rtol 1e-7 and atol 1e-8 sit well above that.
                GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 3, null);
            }
        }
    }

    @Test
    void rejectsBadShapesAndOrder() {
        assertThrowsWith(IllegalArgumentException.class, () -> new Linear(0, 3), "in=0");
        assertThrowsWith(IllegalArgumentException.class, () -> new Linear(3, -1), "out=-1");
        Linear lin = new Linear(3, 2);
        try (Model m = new Model(f32, lin, 1); Tensor good = f32.allocate(2, 3); Tensor wrongFeatures =
                f32.allocate(2, 4); Tensor rank3 = f32.allocate(2, 3, 1); Tensor dyBatch3 = f32.allocate(3, 2);
                Tensor dyWide = f32.allocate(2, 3)) {
            assertThrowsWith(IllegalStateException.class, () -> lin.backward(dyBatch3, true),
                    "backward called before forward");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(wrongFeatures), "(N, 3)", "(2, 4)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.forward(rank3), "(N, 3)", "(2, 3, 1)");
            m.forward(good);
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyBatch3), "gradient",
                    "expected shape (2, 2)", "got (3, 2)");
            assertThrowsWith(IllegalArgumentException.class, () -> m.backward(dyWide), "expected shape (2, 2)",
                    "got (2, 3)");
        }
        Linear unattached = new Linear(3, 2);
        try (Tensor x = f32.allocate(2, 3)) {
            assertThrowsWith(IllegalStateException.class, () -> unattached.forward(x), "Model");
        }
    }
}
