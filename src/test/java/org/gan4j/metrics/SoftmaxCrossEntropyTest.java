package org.gan4j.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SoftmaxCrossEntropyTest {
    // Known values below are exact or written to 11+ digits; 1e-12 covers the rounding of a few double operations.
    private static final double EXACT = 1e-12;

    @Test
    void equalLogitsGiveLogOfClassCount() {
        double[] d = new double[2];
        double loss = SoftmaxCrossEntropy.lossAndGradient(new double[] {0, 0}, new int[] {0}, 1, 2, d);
        assertEquals(Math.log(2), loss, EXACT);
        assertArrayEquals(new double[] {-0.5, 0.5}, d, EXACT);
    }

    @Test
    void handComputedThreeClasses() {
        // lse(1, 2, 3) - 3 = ln(1 + e^-1 + e^-2) = ln(1.50321472441) = 0.40760596444
        // softmax = (e^-2, e^-1, 1) / 1.50321472441 = (0.09003057317, 0.24472847105, 0.66524095577)
        double[] d = new double[3];
        double loss = SoftmaxCrossEntropy.lossAndGradient(new double[] {1, 2, 3}, new int[] {2}, 1, 3, d);
        assertEquals(0.40760596444, loss, 1e-11); // the reference values have 11 decimals
        assertArrayEquals(new double[] {0.09003057317, 0.24472847105, 0.66524095577 - 1}, d, 1e-11);
    }

    @Test
    void lossAndGradientAreMeansOverRows() {
        // Row 0: logits (0, 0), label 1: ln 2, gradient (0.5, -0.5); row 1: logits (0, ln 3), label 0:
        // softmax = (0.25, 0.75), loss -ln 0.25 = ln 4, gradient (-0.75, 0.75); both halved by the mean.
        double[] d = new double[4];
        double loss = SoftmaxCrossEntropy.lossAndGradient(new double[] {0, 0, 0, Math.log(3)}, new int[] {1, 0}, 2,
                2, d);
        assertEquals((Math.log(2) + Math.log(4)) / 2, loss, EXACT);
        assertArrayEquals(new double[] {0.25, -0.25, -0.375, 0.375}, d, EXACT);
    }

    @Test
    void hugeLogitsStayFinite() {
        // A naive exp(1000) overflows; the stable form gives lse = 1000 + ln(1 + e^-1000) = 1000 exactly in double.
        double[] d = new double[2];
        double loss = SoftmaxCrossEntropy.lossAndGradient(new double[] {1000, 0}, new int[] {1}, 1, 2, d);
        assertEquals(1000, loss, EXACT);
        assertArrayEquals(new double[] {1, -1}, d, EXACT);
        loss = SoftmaxCrossEntropy.lossAndGradient(new double[] {-1000, -1000}, new int[] {0}, 1, 2, d);
        assertEquals(Math.log(2), loss, EXACT);
        assertEquals(Math.log(2), SoftmaxCrossEntropy.loss(new double[] {-1000, -1000}, new int[] {0}, 1, 2), EXACT);
    }

    @Test
    void gradientMatchesCentralDifferences() {
        SplittableRandom r = new SplittableRandom(3);
        int n = 4;
        int k = 5;
        double[] z = new double[n * k];
        for (int i = 0; i < z.length; i++) {
            z[i] = r.nextDouble(-4, 4);
        }
        int[] labels = {0, 3, 4, 1};
        double[] grad = new double[z.length];
        SoftmaxCrossEntropy.lossAndGradient(z, labels, n, k, grad);
        double eps = 1e-6;
        for (int i = 0; i < z.length; i++) {
            double keep = z[i];
            z[i] = keep + eps;
            double plus = SoftmaxCrossEntropy.loss(z, labels, n, k);
            z[i] = keep - eps;
            double minus = SoftmaxCrossEntropy.loss(z, labels, n, k);
            z[i] = keep;
            // Central difference: truncation O(eps^2 |f'''|) ~ 1e-12, rounding ~ 1e-16 / eps = 1e-10; 1e-8 bounds both.
            assertEquals((plus - minus) / (2 * eps), grad[i], 1e-8, "d loss / d z[" + i + "]");
        }
    }

    @Test
    void gradientMayOverwriteTheLogits() {
        double[] z = {1, 2, 3};
        SoftmaxCrossEntropy.lossAndGradient(z, new int[] {2}, 1, 3, z);
        assertArrayEquals(new double[] {0.09003057317, 0.24472847105, 0.66524095577 - 1}, z, 1e-11);
    }

    @Test
    void badInputIsRejectedWithTheCause() {
        double[] d = new double[2];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGradient(new double[] {0, 0}, new int[] {2}, 1, 2, d));
        assertTrue(e.getMessage().contains("label 0 is 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGradient(new double[] {0, Double.NaN}, new int[] {0}, 1, 2, d));
        assertTrue(e.getMessage().contains("NaN"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGradient(new double[] {0, 0, 0}, new int[] {0}, 1, 2, d));
        assertTrue(e.getMessage().contains("got 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.lossAndGradient(new double[] {0, 0}, new int[] {0}, 1, 2, new double[3]));
        assertTrue(e.getMessage().contains("dlogits"), e.getMessage());
    }
}
