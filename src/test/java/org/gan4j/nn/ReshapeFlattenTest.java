package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class ReshapeFlattenTest extends CpuAndReference {
    private static final double[] V = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

    @Test
    void reshapeAndFlattenKeepRowMajorOrder() {
        try (Model r = new Model(f32, new Reshape(2, 3), 1); Model f = new Model(f32, new Flatten(), 1);
                Tensor x = tensor(f32, V, 2, 6); Tensor dy = tensor(f32, V, 2, 2, 3)) {
            Tensor y = r.forward(x);
            assertEquals(Shape.of(2, 2, 3), y.shape());
            assertClose(V, y.toDoubleArray(), 0, 0, "reshape keeps the order");
            Tensor dx = r.backwardToInput(dy);
            assertEquals(Shape.of(2, 6), dx.shape());
            assertClose(V, dx.toDoubleArray(), 0, 0, "reshape backward keeps the order");

            Tensor flat = f.forward(y);
            assertEquals(Shape.of(2, 6), flat.shape());
            assertClose(V, flat.toDoubleArray(), 0, 0, "flatten keeps the order");
            Tensor back = f.backwardToInput(x);
            assertEquals(Shape.of(2, 2, 3), back.shape());
            assertClose(V, back.toDoubleArray(), 0, 0, "flatten backward keeps the order");
            assertNull(f.root().backward(x, false));
        }
        assertEquals(Shape.of(5, 6272), new Flatten().outputShape(Shape.of(5, 128, 7, 7)));
        assertEquals(Shape.of(5, 128, 7, 7), new Reshape(128, 7, 7).outputShape(Shape.of(5, 6272)));
    }

    @Test
    void gradientsThroughReshapeAndFlattenMatchFiniteDifferences() {
        // Linear -> Reshape -> Conv2d -> Flatten -> Linear: the views must route gradients to the right elements.
        try (Model m = new Model(f64, new Sequential(new Linear(3, 2 * 3 * 3), new Reshape(2, 3, 3),
                new Conv2d(2, 2, 2, 1, 0, true), new Flatten(), new Linear(8, 2)), 1);
                Tensor x = tensor(f64, randn(1, 6), 2, 3)) {
            NnTesting.randomize(m, 2, 0.5);
            // Multilinear in the inputs: exact up to rounding ~1e-10. rtol 1e-7, atol 1e-8.
            GradCheck.checkModel(m, x, true, 1e-7, 1e-8, 3, null);
        }
    }

    @Test
    void rejectsBadShapesAndOrder() {
        assertThrowsWith(IllegalArgumentException.class, () -> new Reshape(0, 2), ">= 1");
        assertThrowsWith(IllegalArgumentException.class, () -> new Reshape(4, 4).outputShape(Shape.of(2, 6)),
                "(2, 6)", "6 elements per sample", "16");
        Reshape reshape = new Reshape(2, 3);
        Flatten flatten = new Flatten();
        try (Model r = new Model(f32, reshape, 1); Model f = new Model(f32, flatten, 1);
                Tensor x = f32.allocate(2, 6); Tensor x3 = f32.allocate(2, 2, 3);
                Tensor dySameCount = f32.allocate(2, 6); Tensor dyBad = f32.allocate(3, 4)) {
            assertThrowsWith(IllegalStateException.class, () -> reshape.backward(x3, true), "before forward");
            assertThrowsWith(IllegalStateException.class, () -> flatten.backward(x, true), "before forward");
            r.forward(x);
            // Right element count, wrong shape: still a caller error.
            assertThrowsWith(IllegalArgumentException.class, () -> r.backwardToInput(dySameCount),
                    "expected shape (2, 2, 3)", "got (2, 6)");
            assertThrowsWith(IllegalArgumentException.class, () -> r.backwardToInput(dyBad),
                    "expected shape (2, 2, 3)", "got (3, 4)");
            f.forward(x3);
            assertThrowsWith(IllegalArgumentException.class, () -> f.backwardToInput(x3), "expected shape (2, 6)",
                    "got (2, 2, 3)");
        }
    }
}
