package org.gan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.gan4j.models.Dcgan28;
import org.junit.jupiter.api.Test;

class FlopCounterTest {
    // Every count below is exact integer arithmetic written out by hand from the layer shapes: no tolerance.

    @Test
    void dcgan28ForwardCountsMatchHandComputedLayerShapes() {
        int n = 2;
        // G: Linear 100 -> 6272: 100*6272 MACs; ConvT(128, 64) 7x7 -> 14x14: 7*7 inputs * 128*64*16;
        // ConvT(64, 1) 14x14 -> 28x28: 14*14 * 64*1*16.
        long g = 100L * 6272 + 49L * 128 * 64 * 16 + 196L * 64 * 16;
        assertEquals(2 * n * g, FlopCounter.forwardFlops(Dcgan28.generator(), new GanConfig("dcgan28", n)
                .latentShape()));
        // D: Conv(1, 64) -> 14x14: 196 * 64*1*16; Conv(64, 128) -> 7x7: 49 * 128*64*16; Linear 6272 -> 1.
        long d = 196L * 64 * 16 + 49L * 128 * 64 * 16 + 6272;
        assertEquals(2 * n * d, FlopCounter.forwardFlops(Dcgan28.discriminator(), new GanConfig("dcgan28", n)
                .imageShape()));
    }

    @Test
    void backwardSkipsOnlyTheFirstLayersInputGradient() {
        GanConfig c = new GanConfig("dcgan28", 4);
        long fwd = FlopCounter.forwardFlops(c.discriminator(), c.imageShape());
        long firstLayer = 2L * 4 * 196 * 64 * 16; // D's Conv(1, 64), forward
        assertEquals(2 * fwd, FlopCounter.backwardFlops(c.discriminator(), c.imageShape(), true));
        assertEquals(2 * fwd - firstLayer, FlopCounter.backwardFlops(c.discriminator(), c.imageShape(), false));
    }

    @Test
    void iterationIsOneGForwardThreeDForwardsThreeDBackwardsOneGBackward() {
        GanConfig c = new GanConfig("dcgan64", 2);
        long gf = FlopCounter.forwardFlops(c.generator(), c.latentShape());
        long df = FlopCounter.forwardFlops(c.discriminator(), c.imageShape());
        long dFirst = 2L * 2 * 32 * 32 * 64 * 3 * 16; // D64's Conv(3, 64) 64x64 -> 32x32
        long gFirst = 2L * 2 * 1 * 1 * 100 * 512 * 16; // G64's ConvT(100, 512) 1x1 -> 4x4
        long expected = gf + 3 * df + 3 * 2 * df - 2 * dFirst + 2 * gf - gFirst;
        assertEquals(expected, FlopCounter.iterationFlops(c));
        // The published estimate is about 2.5 GFLOP per 64x64 image and iteration.
        assertEquals(2.48e9, expected / 2.0, 0.01e9);
    }
}
