package org.gan4j.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Init;
import org.gan4j.nn.Layer;
import org.gan4j.nn.Model;
import org.gan4j.nn.Pack;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.Test;

class PackedDiscriminatorTest {
    @Test
    void packedMlpJudgesConcatenatedPoints() {
        // D packing 3 points is the unpacked MLP on 6 inputs applied to rows of 3 consecutive points
        try (ReferenceBackend b = ReferenceBackend.create();
                Model packed = new Model(b, Mlp2d.discriminator(8, 2, false, 3), 1).initialize(Init.PYTORCH_DEFAULT, 4);
                // a Pack(1) (a no-op) in front keeps the layer indices, and so the parameter names, of the packed D
                Model plain = new Model(b, new Sequential(java.util.stream.Stream.concat(
                        java.util.stream.Stream.of(new Pack(1)), Mlp2d.mlpOn(6, 8, 2).layers().stream())
                        .toArray(Layer[]::new)), 1);
                Tensor x = b.allocate(6, 2)) {
            assertEquals(Shape.of(2, 1), packed.outputShape(Shape.of(6, 2)));
            plain.loadStateDict(packed.stateDict(), java.util.List.of());
            double[] points = GradCheck.gaussian(new java.util.SplittableRandom(2), 12);
            b.copyFromHost(points, x);
            double[] out = packed.forward(x).toDoubleArray();
            try (Tensor rows = b.allocate(2, 6)) {
                b.copyFromHost(points, rows);
                assertArrayEquals(plain.forward(rows).toDoubleArray(), out, 0);
            }
            // and gradients reach the unpacked input, checked by finite differences in double
            GradCheck.checkModel(packed, x, true, 1e-6, 1e-9, 3, null);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> packed.outputShape(Shape.of(7, 2)));
            assertTrue(e.getMessage().contains("multiple of 3"), e.getMessage());
        }
    }

    @Test
    void everyArchitectureTakesPackingAndSpectralNorm() {
        for (GanArchitecture a : GanArchitecture.values()) {
            GanArchitecture.Options o = a.defaults().withPack(2).withSpectralNorm(true);
            try (CpuBackend b = CpuBackend.create(1); Model d = new Model(b, a.discriminator(o), 1)) {
                int[] sample = a.sampleShape(o).dims();
                int[] dims = new int[sample.length + 1];
                dims[0] = 4;
                System.arraycopy(sample, 0, dims, 1, sample.length);
                Shape batch = Shape.of(dims);
                assertEquals(Shape.of(2, 1), d.outputShape(batch), a.cliName());
                assertTrue(d.namedBuffers().keySet().stream().anyMatch(k -> k.endsWith("weight_u")), a.cliName());
            }
        }
    }
}
