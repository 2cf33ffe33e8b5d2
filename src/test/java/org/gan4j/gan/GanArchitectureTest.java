package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Init;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class GanArchitectureTest {
    private static Shape batch(int n, Shape sample) {
        int[] d = sample.dims();
        int[] out = new int[d.length + 1];
        out[0] = n;
        System.arraycopy(d, 0, out, 1, d.length);
        return Shape.of(out);
    }

    @Test
    void shapesChainFromLatentToLogits() {
        for (GanArchitecture a : GanArchitecture.values()) {
            Shape z = batch(5, a.latentShape());
            Shape x = a.generator().outputShape(z);
            assertEquals(batch(5, a.sampleShape()), x, a + " generator output");
            assertEquals(Shape.of(5, 1), a.discriminator().outputShape(x), a + " discriminator output");
        }
        assertEquals(Shape.of(100, 1, 1), GanArchitecture.DCGAN64.latentShape());
        assertEquals(Shape.of(3, 64, 64), GanArchitecture.DCGAN64.sampleShape());
        assertEquals(Shape.of(100), GanArchitecture.DCGAN28.latentShape());
        assertEquals(Shape.of(1, 28, 28), GanArchitecture.DCGAN28.sampleShape());
        assertEquals(Shape.of(GanArchitecture.MLP2D.defaults().nz()), GanArchitecture.MLP2D.latentShape());
        assertEquals(Shape.of(2), GanArchitecture.MLP2D.sampleShape());
    }

    @Test
    void optionsChangeTheNetworks() {
        GanArchitecture.Options o = GanArchitecture.DCGAN64.defaults().withNz(16).withChannels(1).withWidths(8, 4);
        assertEquals(Shape.of(16, 1, 1), GanArchitecture.DCGAN64.latentShape(o));
        assertEquals(Shape.of(2, 1, 64, 64), GanArchitecture.DCGAN64.generator(o).outputShape(Shape.of(2, 16, 1, 1)));
        assertTrue(GanArchitecture.DCGAN64.generator(o).toString() != null);
        GanArchitecture.Options m = GanArchitecture.MLP2D.defaults().withNz(5).withDepth(1);
        assertEquals(Shape.of(3, 2), GanArchitecture.MLP2D.generator(m).outputShape(Shape.of(3, 5)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GanArchitecture.DCGAN28.generator(GanArchitecture.DCGAN28.defaults().withNz(64)));
        assertTrue(e.getMessage().contains("dcgan28 has fixed sizes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GanArchitecture.MLP2D.defaults().withWidths(0, 8));
        assertTrue(e.getMessage().contains("generatorWidth must be >= 1, got 0"), e.getMessage());
    }

    @Test
    void namesAndInits() {
        assertEquals(GanArchitecture.DCGAN64, GanArchitecture.parse("dcgan64"));
        assertEquals(GanArchitecture.DCGAN28, GanArchitecture.parse("DCGAN28"));
        assertEquals(GanArchitecture.MLP2D, GanArchitecture.parse(" mlp2d "));
        assertEquals("mlp2d", GanArchitecture.MLP2D.cliName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GanArchitecture.parse("dcgan32"));
        assertTrue(e.getMessage().contains("'dcgan32'") && e.getMessage().contains("dcgan64, dcgan28, mlp2d"),
                e.getMessage());
        assertEquals(Init.DCGAN, GanArchitecture.DCGAN64.defaultInit());
        assertEquals(Init.DCGAN, GanArchitecture.DCGAN28.defaultInit());
        assertEquals(Init.PYTORCH_DEFAULT, GanArchitecture.MLP2D.defaultInit());
    }
}
