package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.randomize;
import static org.gan4j.nn.NnTesting.set;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

/** {@link ClassEmbedding} and {@link ClassProjection}: hand values on the CPU backend, gradients in double. */
class ClassConditionalTest extends CpuAndReference {
    @Test
    void embeddingAddsTheRowOfEachSamplesClass() {
        ClassEmbedding e = new ClassEmbedding(3, 2);
        try (Model m = new Model(f32, e, 1); Tensor x = tensor(f32, new double[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
                Tensor dy = tensor(f32, new double[] {1, 10, 2, 20, 3, 30, 4, 40}, 4, 2)) {
            set(e.table(), 0.5, -1, 100, 200, -3, 0.25); // rows: class 0, 1, 2
            m.setLabels(new int[] {2, 0, 2, 1});
            // y_n = x_n + E[y_n]; all values and sums are exact in float
            assertClose(new double[] {-2, 2.25, 3.5, 3, 2, 6.25, 107, 208}, m.forward(x).toDoubleArray(), 0, 0,
                    "embedding forward");
            // dE[k] = sum of dy_n over the samples of class k: class 0 gets row 1, class 1 row 3, class 2 rows 0, 2;
            // dx = dy
            Tensor dx = m.backwardToInput(dy);
            assertClose(new double[] {2, 20, 4, 40, 4, 40}, e.table().grad().toDoubleArray(), 0, 0, "dE");
            assertClose(new double[] {1, 10, 2, 20, 3, 30, 4, 40}, dx.toDoubleArray(), 0, 0, "dx");
        }
    }

    @Test
    void projectionKeepsTheUnconditionalAndTheRequestedColumn() {
        ClassProjection p = new ClassProjection(3);
        // z: (2, 4) = [psi, class 0, class 1, class 2] per sample
        try (Model m = new Model(f32, p, 1); Tensor z = tensor(f32, new double[] {1, 2, 3, 4, -1, 10, 20, 30}, 2, 4);
                Tensor dy = tensor(f32, new double[] {0.5, -2}, 2, 1)) {
            m.setLabels(new int[] {1, 2});
            Tensor y = m.forward(z);
            assertEquals(Shape.of(2, 1), y.shape());
            assertClose(new double[] {1 + 3, -1 + 30}, y.toDoubleArray(), 0, 0, "projection forward");
            // dz = dy in column 0 and in column 1 + label, 0 elsewhere
            assertClose(new double[] {0.5, 0, 0.5, 0, -2, 0, 0, -2}, m.backwardToInput(dy).toDoubleArray(), 0, 0,
                    "projection dz");
        }
    }

    @Test
    void gradientsOfAConditionalHeadMatchFiniteDifferences() {
        // A small projection discriminator head and an embedding on one model: Linear(3, 1 + K) then projection,
        // preceded by an embedding of the input. Double precision: central differences with h = 1e-6 leave about
        // 1e-9 relative error on this smooth (piecewise linear, no kinks) function, so rtol 1e-6.
        int k = 4;
        ClassEmbedding embed = new ClassEmbedding(k, 3);
        Sequential net = new Sequential(embed, new Linear(3, 1 + k), new ClassProjection(k));
        try (Model m = new Model(f64, net, 1); Tensor x = tensor(f64, randn(5, 6 * 3), 6, 3)) {
            randomize(m, 7, 0.5);
            m.setLabels(new int[] {0, 3, 1, 1, 2, 3});
            GradCheck.checkModel(m, x, true, 1e-6, 1e-9, 11, null);
        }
    }

    @Test
    void labelsAreCheckedAgainstClassesAndBatch() {
        ClassEmbedding e = new ClassEmbedding(3, 2);
        try (Model m = new Model(f32, e, 1); Tensor x = tensor(f32, new double[4], 2, 2)) {
            assertThrowsWith(IllegalStateException.class, () -> m.forward(x), "no class labels set for a batch of 2",
                    "Model.setLabels");
            assertThrowsWith(IllegalArgumentException.class, () -> m.setLabels(new int[] {0, 3}),
                    "class label 3 of sample 1 is outside [0, 3)");
            m.setLabels(new int[] {0, 1, 2});
            assertThrowsWith(IllegalStateException.class, () -> m.forward(x), "3 class labels set for a batch of 2");
        }
        try (Model plain = new Model(f32, new Linear(2, 2), 1)) {
            assertEquals(0, plain.numClasses());
            assertThrowsWith(IllegalStateException.class, () -> plain.setLabels(new int[] {0}),
                    "not class-conditional");
        }
    }
}
