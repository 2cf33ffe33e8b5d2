package org.gan4j.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class Mlp2dTest {
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f64.close();
    }

    @Test
    void shapesNamesAndCounts() {
        try (Model g = new Model(f64, Mlp2d.generator(4, 16, 3), 1);
                Model d = new Model(f64, Mlp2d.discriminator(16, 2), 1)) {
            assertEquals(Shape.of(5, 2), g.outputShape(Shape.of(5, 4)));
            assertEquals(Shape.of(5, 1), d.outputShape(Shape.of(5, 2)));
            // G: Linear(4, 16) ReLU Linear(16, 16) ReLU Linear(16, 16) ReLU Linear(16, 2).
            assertEquals((4 * 16 + 16) + 2 * (16 * 16 + 16) + (16 * 2 + 2), g.parameterCount());
            assertEquals(List.of("0.weight", "0.bias", "2.weight", "2.bias", "4.weight", "4.bias", "6.weight",
                    "6.bias"), new ArrayList<>(g.namedParameters().keySet()));
            // D: Linear(2, 16) LReLU Linear(16, 16) LReLU Linear(16, 1).
            assertEquals((2 * 16 + 16) + (16 * 16 + 16) + (16 + 1), d.parameterCount());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mlp2d.generator(4, 16, 0));
        assertTrue(e.getMessage().contains("depth=0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Mlp2d.discriminator(0, 2));
    }

    @Test
    void gradientsMatchFiniteDifferences() {
        // Small enough for an element-by-element check of every parameter and the input. The nets are piecewise
        // linear: between kinks central differences are exact up to rounding (~1e-10); a pre-activation within
        // ~1e-6 of a kink (probability ~1e-5 over the ~100 pre-activations, fixed seeds) would straddle it.
        try (Model g = new Model(f64, Mlp2d.generator(3, 8, 2), 1); Tensor z = f64.allocate(5, 3);
                Model d = new Model(f64, Mlp2d.discriminator(8, 2), 1); Tensor x = f64.allocate(5, 2)) {
            g.initialize(Init.PYTORCH_DEFAULT, 2);
            d.initialize(Init.PYTORCH_DEFAULT, 3);
            f64.copyFromHost(GradCheck.gaussian(new SplittableRandom(4), 15), z);
            f64.copyFromHost(GradCheck.gaussian(new SplittableRandom(5), 10), x);
            GradCheck.checkModel(g, z, true, 1e-7, 1e-9, 6, null);
            GradCheck.checkModel(d, x, true, 1e-7, 1e-9, 7, null);
        }
    }
}
