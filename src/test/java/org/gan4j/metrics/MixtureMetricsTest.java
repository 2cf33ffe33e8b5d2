package org.gan4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.data.Mixture2d;
import org.junit.jupiter.api.Test;

class MixtureMetricsTest {
    @Test
    void realSamplesCoverEveryMode() {
        for (Mixture2d m : new Mixture2d[] {Mixture2d.ring8(20000, 1), Mixture2d.grid25(50000, 2)}) {
            MixtureMetrics.Result r = MixtureMetrics.evaluate(m.points(), m);
            assertEquals(m.numModes(), r.numModes());
            assertEquals(m.size(), r.numPoints());
            assertEquals(m.numModes(), r.modesCovered());
            // P(|offset| <= 3 std) in 2-D = 1 - exp(-4.5) = 0.98889; binomial sd sqrt(p(1-p)/n) <= 7.4e-4; 5 sd.
            assertEquals(1 - Math.exp(-4.5), r.highQualityFraction(), 0.004);
            // Multinomial counts around uniform: KL ~ (K-1) / (2n) on average (2e-4 for the grid); allow 10x.
            assertTrue(r.reverseKl() < 10 * (m.numModes() - 1) / (2.0 * m.size()), r.toString());
        }
    }

    @Test
    void handComputedCases() {
        Mixture2d ring = Mixture2d.ring8(1, 0); // only modes() and std() matter
        // Everything on mode 0 (1, 0): one mode, KL = ln 8.
        float[] one = {1f, 0f, 1.02f, 0f, 1f, -0.02f};
        MixtureMetrics.Result r = MixtureMetrics.evaluate(one, ring);
        assertEquals(1, r.modesCovered());
        assertEquals(1.0, r.highQualityFraction(), 0);
        assertEquals(Math.log(8), r.reverseKl(), 1e-15);
        assertArrayEquals(new int[] {3, 0, 0, 0, 0, 0, 0, 0}, r.highQualityPerMode());

        // Two on mode 0, one on mode 2 (0, 1), one 0.031 away from mode 4 (just past 3 std = 0.03: low quality).
        float[] mixed = {1f, 0f, 1f, 0f, 0f, 1f, -1.031f, 0f};
        r = MixtureMetrics.evaluate(mixed, ring);
        assertEquals(2, r.modesCovered());
        assertEquals(0.75, r.highQualityFraction(), 0);
        // q = (2/3, 1/3): KL = ln 8 + 2/3 ln(2/3) + 1/3 ln(1/3)
        double expected = Math.log(8) + 2.0 / 3 * Math.log(2.0 / 3) + 1.0 / 3 * Math.log(1.0 / 3);
        assertEquals(expected, r.reverseKl(), 1e-14);

        // Exactly one point per mode: KL = 0.
        double[][] modes = ring.modes();
        float[] even = new float[16];
        for (int k = 0; k < 8; k++) {
            even[2 * k] = (float) modes[k][0];
            even[2 * k + 1] = (float) modes[k][1];
        }
        r = MixtureMetrics.evaluate(even, ring);
        assertEquals(8, r.modesCovered());
        assertEquals(0, r.reverseKl(), 1e-15);
    }

    @Test
    void farAwayPointsAreNotHighQuality() {
        Mixture2d grid = Mixture2d.grid25(1, 0);
        float[] far = {10f, 10f, -7f, 0f, 1f, 1f, Float.NaN, 0f}; // (1, 1) is 1.41 from the nearest mode: > 0.15
        MixtureMetrics.Result r = MixtureMetrics.evaluate(far, grid);
        assertEquals(0, r.modesCovered());
        assertEquals(0, r.highQualityFraction(), 0);
        assertTrue(Double.isNaN(r.reverseKl()), "no high-quality point: KL undefined");
        assertThrows(IllegalArgumentException.class, () -> MixtureMetrics.evaluate(new float[3], grid));
    }
}
