package org.gan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import org.bytedeco.pytorch.AdamOptions;
import org.junit.jupiter.api.Test;

class LibtorchDcganTest {
    // Tolerance of the Adam checks: p is float32, so its two-step move (about 3e-4) is exact to ~1e-7 relative;
    // 1e-4 relative also covers eps (1e-8 against sqrt(v) of about 0.7) and still tells the two orders (a factor
    // 1.4 apart) apart.
    private static final double REL = 1e-4;

    @Test
    void adamIsPyTorchsDcganOptimiser() {
        double expected = LibtorchDcgan.expectedTwoStepMove(2e-4, 0.5, 0.999);
        assertEquals(expected, LibtorchDcgan.twoStepMove(LibtorchDcgan.adam()), REL * Math.abs(expected));
        LibtorchDcgan.requireDcganBetas();
    }

    @Test
    void betasTupleIsStoredLastElementFirst() {
        // Writing (0.5, 0.999) in reading order gives beta1 = 0.999, beta2 = 0.5: the bug this layout caused.
        AdamOptions naive = new AdamOptions(2e-4);
        naive.betas().put(new double[] {0.5, 0.999});
        naive.eps().put(1e-8);
        double swapped = LibtorchDcgan.expectedTwoStepMove(2e-4, 0.999, 0.5);
        double got = LibtorchDcgan.twoStepMove(naive);
        assertEquals(swapped, got, REL * Math.abs(swapped));
        assertNotEquals(LibtorchDcgan.expectedTwoStepMove(2e-4, 0.5, 0.999), got, 0.1 * Math.abs(swapped));
    }
}
