package org.gan4j.nn;

import static org.gan4j.nn.NnTesting.assertClose;
import static org.gan4j.nn.NnTesting.assertThrowsWith;
import static org.gan4j.nn.NnTesting.randn;
import static org.gan4j.nn.NnTesting.tensor;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.gan4j.testing.CpuAndReference;

class ModelTest extends CpuAndReference {
    /** 0: Linear(3, 5) [15 + 5], 1: BatchNorm1d(5) [5 + 5, buffers 5 + 5], 2: ReLU, 3: Linear(5, 2, no bias) [10]. */
    private static Sequential smallNet() {
        return new Sequential(new Linear(3, 5), new BatchNorm1d(5), new ReLU(), new Linear(5, 2, false));
    }

    /** A D-like net with every kind of parameterised layer: Conv2d, ConvTranspose2d, BatchNorm2d, Linear. */
    private static Sequential everyParameterKind() {
        return new Sequential(new Conv2d(2, 4, 3, 1, 1, true), new BatchNorm2d(4), new LeakyReLU(0.2f),
                new ConvTranspose2d(4, 3, 4, 2, 1, true), new Flatten(), new Linear(3 * 8 * 8, 2));
    }

    @Test
    void backwardToInputOnlyGivesTheSameInputGradientAndLeavesParameterGradientsAlone() {
        try (Model a = new Model(f64, everyParameterKind(), 1); Model b = new Model(f64, everyParameterKind(), 1);
                Tensor x = tensor(f64, randn(5, 96), 3, 2, 4, 4);
                Tensor dy = tensor(f64, randn(6, 6), 3, 2)) {
            a.initialize(Init.PYTORCH_DEFAULT, 9);
            b.initialize(Init.PYTORCH_DEFAULT, 9);
            f64.fill(0.25f, b.gradients()); // a marker that must survive
            a.forward(x);
            double[] full = a.backwardToInput(dy).toDoubleArray();
            b.forward(x);
            double[] only = b.backwardToInputOnly(dy).toDoubleArray();
            // The same ops on the same values in the same order: bit-identical.
            assertArrayEquals(full, only);
            for (double g : b.gradients().toDoubleArray()) {
                assertEquals(0.25, g);
            }
            // and it is switched back on afterwards: a normal backward accumulates again
            b.zeroGrad();
            b.forward(x);
            b.backwardToInput(dy);
            assertArrayEquals(a.gradients().toDoubleArray(), b.gradients().toDoubleArray());
        }
    }

    @Test
    void parametersAreAlignedViewsIntoOneFlatBuffer() {
        try (Model m = new Model(f32, smallNet(), 1)) {
            m.initialize(Init.PYTORCH_DEFAULT, 3);
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight"),
                    new ArrayList<>(m.namedParameters().keySet()));
            assertEquals(List.of("1.running_mean", "1.running_var"), new ArrayList<>(m.namedBuffers().keySet()));
            assertEquals(15 + 5 + 5 + 5 + 10, m.parameterCount());
            // Each parameter starts at a multiple of 64: offsets 0, 64, 128, 192, 256; 256 + 10 rounds up to 320.
            long[] expectedOffsets = {0, 64, 128, 192, 256};
            assertEquals(Shape.of(320), m.parameters().shape());
            assertEquals(m.parameters().shape(), m.gradients().shape());
            int k = 0;
            double[] flat = m.parameters().toDoubleArray();
            boolean[] covered = new boolean[flat.length];
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                assertSame(m.parameters().storage(), p.value().storage(), e.getKey() + " value is a view");
                assertSame(m.gradients().storage(), p.grad().storage(), e.getKey() + " grad is a view");
                long off = p.value().offset() - m.parameters().offset();
                assertEquals(expectedOffsets[k++], off, e.getKey() + " offset");
                assertEquals(0, off % 64, e.getKey() + " aligned");
                assertEquals(off, p.grad().offset() - m.gradients().offset(), e.getKey() + " grad at same offset");
                assertEquals(p.shape(), p.value().shape());
                double[] v = p.value().toDoubleArray();
                for (int i = 0; i < v.length; i++) {
                    assertEquals(flat[(int) off + i], v[i], 0.0, e.getKey() + " element " + i);
                    covered[(int) off + i] = true;
                }
            }
            for (int i = 0; i < flat.length; i++) {
                if (!covered[i]) {
                    assertEquals(0.0, flat[i], 0.0, "alignment padding stays zero, element " + i);
                }
            }
            // Writes through the flat buffer are seen by the layers' views.
            f32.fill(2f, m.parameters());
            for (Parameter p : m.namedParameters().values()) {
                for (double v : p.value().toDoubleArray()) {
                    assertEquals(2.0, v, 0.0);
                }
            }
            // Buffers: running_mean (0) then running_var (1), contiguous.
            assertClose(new double[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, m.stateBuffers().toDoubleArray(), 0, 0,
                    "state buffer initial values");
            assertSame(m.stateBuffers().storage(), m.namedBuffers().get("1.running_var").value().storage());
        }
    }

    @Test
    void zeroGradZeroesEveryGradientAndGradientsAccumulate() {
        try (Model m = new Model(f64, smallNet(), 1); Tensor x = tensor(f64, randn(1, 12), 4, 3);
                Tensor dy = tensor(f64, randn(2, 8), 4, 2)) {
            m.initialize(Init.PYTORCH_DEFAULT, 3);
            f64.fill(7f, m.gradients());
            m.zeroGrad();
            for (double g : m.gradients().toDoubleArray()) {
                assertEquals(0.0, g, 0.0, "zeroGrad clears the whole flat gradient, padding included");
            }
            m.forward(x);
            m.backward(dy);
            double[] once = m.gradients().toDoubleArray();
            double nonZero = 0;
            for (double g : once) {
                nonZero += Math.abs(g);
            }
            assertTrue(nonZero > 0, "the backward produced gradients");
            m.backward(dy);
            double[] twice = m.gradients().toDoubleArray();
            for (int i = 0; i < once.length; i++) {
                // g + g is exactly 2g in floating point.
                assertEquals(2 * once[i], twice[i], 0.0, "second backward accumulates, element " + i);
            }
            m.zeroGrad();
            m.backward(dy);
            assertArrayEquals(once, m.gradients().toDoubleArray(), 0.0, "after zeroGrad: one backward's worth");
        }
    }

    @Test
    void stateDictRoundTrip() {
        try (Model a = new Model(f32, smallNet(), 1); Model b = new Model(f32, smallNet(), 1);
                Tensor x = tensor(f32, randn(3, 12), 4, 3)) {
            a.initialize(Init.DCGAN, 11);
            b.initialize(Init.PYTORCH_DEFAULT, 12);
            a.forward(x); // moves the running statistics away from (0, 1)
            Map<String, float[]> dict = a.stateDict();
            assertEquals(List.of("0.weight", "0.bias", "1.weight", "1.bias", "3.weight", "1.running_mean",
                    "1.running_var"), new ArrayList<>(dict.keySet()));
            assertEquals(15, dict.get("0.weight").length);
            assertEquals(a.stateShapes().get("0.weight"), Shape.of(5, 3));
            b.loadStateDict(dict, List.of());
            Map<String, float[]> back = b.stateDict();
            for (String k : dict.keySet()) {
                assertArrayEquals(dict.get(k), back.get(k), 0f, k + " round trip");
            }
            a.eval();
            b.eval();
            assertArrayEquals(a.forward(x).toFloatArray(), b.forward(x).toFloatArray(), 0f,
                    "same state, same eval output");
        }
    }

    @Test
    void loadStateDictNamesEveryProblemAndChangesNothingOnFailure() {
        try (Model m = new Model(f32, smallNet(), 1)) {
            m.initialize(Init.PYTORCH_DEFAULT, 1);
            Map<String, float[]> good = m.stateDict();
            float[] before = m.parameters().toFloatArray();

            Map<String, float[]> missing = new LinkedHashMap<>(good);
            missing.remove("1.running_var");
            assertThrowsWith(IllegalArgumentException.class, () -> m.loadStateDict(missing, List.of()),
                    "missing '1.running_var' (5,)");

            Map<String, float[]> wrongSize = new LinkedHashMap<>(good);
            wrongSize.put("0.weight", new float[3]);
            assertThrowsWith(IllegalArgumentException.class, () -> m.loadStateDict(wrongSize, List.of()),
                    "'0.weight' has 3 values, model expects (5, 3)");

            Map<String, float[]> extra = new LinkedHashMap<>(good);
            extra.put("1.num_batches_tracked", new float[1]);
            assertThrowsWith(IllegalArgumentException.class, () -> m.loadStateDict(extra, List.of()),
                    "unexpected '1.num_batches_tracked'");

            Map<String, float[]> all = new LinkedHashMap<>(missing);
            all.put("0.weight", new float[3]);
            all.put("foo", new float[1]);
            assertThrowsWith(IllegalArgumentException.class, () -> m.loadStateDict(all, List.of()),
                    "missing '1.running_var'", "'0.weight' has 3 values", "unexpected 'foo'");
            assertArrayEquals(before, m.parameters().toFloatArray(), 0f, "a failed load changes nothing");

            // Names listed as ignored (e.g. PyTorch's num_batches_tracked) are skipped.
            Map<String, float[]> changed = new LinkedHashMap<>(extra);
            changed.put("3.weight", new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
            m.loadStateDict(changed, List.of("1.num_batches_tracked"));
            assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
                    m.namedParameters().get("3.weight").value().toFloatArray(), 0f);
        }
    }

    @Test
    void aLayerReusedInASecondModelIsRejectedAndTheFirstModelIsUntouched() {
        Linear shared = new Linear(3, 2);
        try (Model first = new Model(f32, new Sequential(shared, new ReLU()), 1)) {
            first.initialize(Init.PYTORCH_DEFAULT, 5);
            float[] before = shared.weight().value().toFloatArray();
            assertThrowsWith(IllegalStateException.class,
                    () -> new Model(f32, new Sequential(new Linear(2, 3), shared), 2), "already belongs to a Model");
            assertSame(first.parameters().storage(), shared.weight().value().storage(),
                    "the first model's parameter views are not rebound by the failed second model");
            assertArrayEquals(before, shared.weight().value().toFloatArray(), 0f);
            try (Tensor x = tensor(f32, randn(1, 6), 2, 3)) {
                assertEquals(Shape.of(2, 2), first.forward(x).shape(), "the first model still works");
            }
        }
    }

    @Test
    void aLayerUsedTwiceInOneModelIsRejected() {
        ReLU relu = new ReLU();
        assertThrowsWith(IllegalStateException.class,
                () -> new Model(f32, new Sequential(new Linear(2, 2), relu, new Linear(2, 2), relu), 1), "ReLU");
        Linear lin = new Linear(2, 2);
        assertThrowsWith(IllegalStateException.class, () -> new Model(f32, new Sequential(lin, lin), 1), "Linear");
    }

    @Test
    void summaryListsLayersWithShapes() {
        try (Model m = new Model(f32, smallNet(), 1)) {
            String s = m.summary(Shape.of(4, 3));
            assertTrue(s.contains("40 parameters"), s);
            assertTrue(s.contains("BatchNorm1d(5, +RELU)"), "the summary shows the fused ReLU: " + s);
            assertTrue(s.contains("-> (4, 2)"), s);
        }
    }
}
