package org.gan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class Mixture2dTest {
    @Test
    void ringModesAreOnTheUnitCircle() {
        Mixture2d ring = Mixture2d.ring8(10, 0);
        assertEquals(8, ring.numModes());
        assertEquals(0.01, ring.std(), 0);
        double[][] m = ring.modes();
        double s = Math.sqrt(0.5);
        double[][] expected = {{1, 0}, {s, s}, {0, 1}, {-s, s}, {-1, 0}, {-s, -s}, {0, -1}, {s, -s}};
        for (int k = 0; k < 8; k++) {
            assertArrayEquals(expected[k], m[k], 1e-15); // cos/sin are accurate to an ulp
        }
        assertEquals(Shape.of(2), ring.sampleShape());
    }

    @Test
    void gridModesAreEvenCoordinates() {
        Mixture2d grid = Mixture2d.grid25(10, 0);
        assertEquals(25, grid.numModes());
        assertEquals(0.05, grid.std(), 0);
        double[][] m = grid.modes();
        assertArrayEquals(new double[] {-4, -4}, m[0], 0);
        assertArrayEquals(new double[] {-4, -2}, m[1], 0);
        assertArrayEquals(new double[] {0, 0}, m[12], 0);
        assertArrayEquals(new double[] {4, 4}, m[24], 0);
        // modes() is a copy
        m[0][0] = 99;
        assertEquals(-4, grid.modes()[0][0], 0);
    }

    @Test
    void samplesMatchTheMixtureStatistics() {
        int n = 40000;
        Mixture2d ring = Mixture2d.ring8(n, 11);
        double[][] modes = ring.modes();
        int[] count = new int[8];
        double[] sum = new double[8 * 2];
        double[] sq = new double[8];
        float[] p = new float[2];
        for (int i = 0; i < n; i++) {
            ring.get(i, p, 0);
            int k = ring.label(i);
            count[k]++;
            double dx = p[0] - modes[k][0];
            double dy = p[1] - modes[k][1];
            sum[2 * k] += dx;
            sum[2 * k + 1] += dy;
            sq[k] += dx * dx + dy * dy;
        }
        for (int k = 0; k < 8; k++) {
            // Mode choice is uniform: count ~ Binomial(n, 1/8), sd = sqrt(n/8 * 7/8) = 66; allow 5 sd.
            assertEquals(n / 8.0, count[k], 5 * 66);
            // The mean offset is ~N(0, std^2 / count): sd 0.01 / sqrt(5000) = 1.4e-4; allow 5 sd (+ float rounding).
            assertEquals(0, sum[2 * k] / count[k], 7e-4);
            assertEquals(0, sum[2 * k + 1] / count[k], 7e-4);
            // Per-coordinate variance estimate: relative sd sqrt(2 / (2 count)) = 1.4%; allow 7%.
            assertEquals(0.01, Math.sqrt(sq[k] / (2 * count[k])), 0.01 * 0.07);
        }
    }

    @Test
    void seededAndReproducible() {
        assertArrayEquals(Mixture2d.grid25(100, 5).points(), Mixture2d.grid25(100, 5).points());
        assertFalse(Arrays.equals(Mixture2d.grid25(100, 5).points(), Mixture2d.grid25(100, 6).points()));
        Mixture2d custom = Mixture2d.grid(3, 1.5, 0.1, 7, 0);
        assertArrayEquals(new double[] {-1.5, -1.5}, custom.modes()[0], 0);
        assertEquals(7, custom.size());
        assertThrows(IllegalArgumentException.class, () -> Mixture2d.ring(8, 1, 0, 10, 0));
        assertThrows(IllegalArgumentException.class, () -> Mixture2d.ring(8, 1, 0.1, 0, 0));
    }
}
