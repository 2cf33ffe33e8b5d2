package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.backend.Philox;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Random ops: the exact Philox stream layout, counter advance, reproducibility and statistical sanity. */
class CpuRandomTest {
    private static final long SEED = 0x1234_5678_9abcL;
    private static CpuBackend cpu;
    private static ReferenceBackend cpu64;

    @BeforeAll
    static void open() {
        cpu = CpuBackend.create(2);
        cpu64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        cpu.close();
        cpu64.close();
    }

    private static int word(long counter, int w) {
        int[] out = new int[4];
        Philox.block(SEED, counter, out);
        return out[w];
    }

    @Test
    void uniformFollowsTheDocumentedLayoutAndAdvancesTheCounter() {
        RandomState rng = cpu64.newRandom(SEED);
        rng.setCounter(5);
        try (Tensor t = cpu64.allocate(7)) {
            cpu64.randomUniform(rng, -1f, 3f, t);
            double[] expected = new double[7];
            for (int i = 0; i < 7; i++) {
                expected[i] = -1 + 4 * ((word(5 + i / 4, i % 4) >>> 8) / 16777216.0);
            }
            // F64 backend, same double formula: only the last-bit rounding of the affine map can differ.
            assertClose(expected, t.toDoubleArray(), 1e-15, "uniform");
            assertEquals(5 + 2, rng.counter(), "7 elements use ceil(7/4) = 2 blocks");
        }
    }

    @Test
    void normalFollowsTheDocumentedBoxMullerLayout() {
        RandomState rng = cpu64.newRandom(SEED);
        try (Tensor t = cpu64.allocate(6)) {
            cpu64.randomNormal(rng, 0.5f, 2f, t);
            double[] expected = new double[6];
            for (int i = 0; i < 6; i++) {
                long block = i / 4;
                int pairFirstWord = (i % 4) / 2 * 2;
                double u1 = ((word(block, pairFirstWord) >>> 8) + 1) / 16777216.0;
                double u2 = (word(block, pairFirstWord + 1) >>> 8) / 16777216.0;
                double r = Math.sqrt(-2 * Math.log(u1));
                double z = i % 2 == 0 ? r * Math.cos(2 * Math.PI * u2) : r * Math.sin(2 * Math.PI * u2);
                expected[i] = 0.5 + 2 * z;
            }
            // Same double formula, so agreement to a few ulps of values of size ~5.
            assertClose(expected, t.toDoubleArray(), 1e-13, "normal");
            assertEquals(2, rng.counter());
        }
    }

    @Test
    void fillTargetsUsesTwoUniformsPerElement() {
        RandomState rng = cpu64.newRandom(SEED);
        rng.setCounter(3);
        try (Tensor t = cpu64.allocate(5)) {
            cpu64.fillTargets(rng, 0.9f, 0.1f, 0.3f, 0.05f, t);
            double[] expected = new double[5];
            for (int i = 0; i < 5; i++) {
                double u1 = (word(3 + i / 2, 2 * (i % 2)) >>> 8) / 16777216.0;
                double u2 = (word(3 + i / 2, 2 * (i % 2) + 1) >>> 8) / 16777216.0;
                expected[i] = (u1 < 0.3f ? 0.1f : 0.9f) + 0.05f * (2 * u2 - 1);
            }
            // Same formula in double on the same float-valued parameters.
            assertClose(expected, t.toDoubleArray(), 1e-15, "targets");
            assertEquals(3 + 3, rng.counter(), "5 elements use ceil(5/2) = 3 blocks");
        }
    }

    @Test
    void fillTargetsExtremes() {
        RandomState rng = cpu.newRandom(SEED);
        try (Tensor t = cpu.allocate(64)) {
            cpu.fillTargets(rng, 1f, 0f, 0f, 0f, t);
            for (float v : t.toFloatArray()) {
                assertEquals(1f, v, "no flips, no noise: exact real labels");
            }
            cpu.fillTargets(rng, 1f, 0f, 1f, 0f, t);
            for (float v : t.toFloatArray()) {
                assertEquals(0f, v, "flip probability 1: every label flipped");
            }
            cpu.fillTargets(rng, 0.9f, 0f, 0f, 0.1f, t);
            for (float v : t.toFloatArray()) {
                assertTrue(v >= 0.8f - 1e-6f && v < 1.0f + 1e-6f, "0.9 +- 0.1 noise, got " + v);
            }
        }
    }

    @Test
    void dropoutMaskAndOutput() {
        RandomState rng = cpu.newRandom(SEED);
        int n = 10_000;
        float p = 0.25f;
        try (Tensor x = cpu.allocate(n); Tensor mask = cpu.allocate(n); Tensor y = cpu.allocate(n)) {
            double[] xv = new double[n];
            for (int i = 0; i < n; i++) {
                xv[i] = i % 7 - 3;
            }
            cpu.copyFromHost(xv, x);
            cpu.dropoutForward(rng, p, x, mask, y);
            float[] m = mask.toFloatArray();
            float[] yv = y.toFloatArray();
            int kept = 0;
            for (int i = 0; i < n; i++) {
                boolean keep = (word(i / 4, i % 4) >>> 8) / 16777216.0 >= p;
                assertEquals(keep ? (float) (1 / (1 - (double) p)) : 0f, m[i], "mask " + i);
                assertEquals((float) (xv[i] * m[i]), yv[i], 1e-6f, "y " + i); // |x| <= 3: float rounding
                kept += keep ? 1 : 0;
            }
            // Binomial(n, 0.75): sd = sqrt(n * 0.75 * 0.25) = 43; 5 sd = 217.
            assertEquals(0.75 * n, kept, 217);
            assertEquals(n / 4, rng.counter());
        }
    }

    @Test
    void sameSeedAndCounterReproduceAndSplitDrawsEqualOneDraw() {
        try (Tensor a = cpu.allocate(16); Tensor b1 = cpu.allocate(8); Tensor b2 = cpu.allocate(8)) {
            RandomState r1 = cpu.newRandom(99);
            cpu.randomNormal(r1, 0f, 1f, a);
            RandomState r2 = cpu.newRandom(99);
            cpu.randomNormal(r2, 0f, 1f, b1);
            cpu.randomNormal(r2, 0f, 1f, b2);
            float[] whole = a.toFloatArray();
            float[] first = b1.toFloatArray();
            float[] second = b2.toFloatArray();
            for (int i = 0; i < 8; i++) {
                assertEquals(whole[i], first[i]);
                assertEquals(whole[8 + i], second[i]);
            }
            assertEquals(r1.counter(), r2.counter());
            r2.setCounter(0);
            cpu.randomNormal(r2, 0f, 1f, b1);
            assertArrayEquals(first, b1.toFloatArray(), "rewinding the counter replays the stream");
            RandomState other = cpu.newRandom(100);
            cpu.randomNormal(other, 0f, 1f, b2);
            assertTrue(b2.toFloatArray()[0] != first[0], "another seed gives another stream");
        }
    }

    @Test
    void normalAndUniformStatistics() {
        int n = 100_000;
        try (Tensor t = cpu.allocate(n)) {
            cpu.randomNormal(cpu.newRandom(1), 0f, 1f, t);
            double[] m = moments(t.toFloatArray());
            // Standard errors on 1e5 samples: mean 1/sqrt(n) = 0.0032, std 1/sqrt(2n) = 0.0022; bounds are 5 SE.
            assertEquals(0, m[0], 0.016);
            assertEquals(1, Math.sqrt(m[1]), 0.011);
            cpu.randomUniform(cpu.newRandom(2), 0f, 1f, t);
            float[] u = t.toFloatArray();
            for (float v : u) {
                assertTrue(v >= 0f && v < 1f, "uniform in [0, 1), got " + v);
            }
            m = moments(u);
            // U[0,1): mean SE = sqrt(1/12 / n) = 0.00091; variance SE = sqrt((1/80 - 1/144) / n) = 0.00024; 5 SE.
            assertEquals(0.5, m[0], 0.0046);
            assertEquals(1 / 12.0, m[1], 0.0012);
        }
    }

    private static double[] moments(float[] v) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        return new double[] {mean, var / v.length};
    }

    @Test
    void foreignRandomStateIsRejected() {
        RandomState foreign = new RandomState(1) {
            @Override
            public long counter() {
                return 0;
            }

            @Override
            public void setCounter(long counter) {
            }
        };
        try (Tensor t = cpu.allocate(4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> cpu.randomUniform(foreign, 0f, 1f, t));
            assertTrue(e.getMessage().contains("newRandom"), e.getMessage());
        }
    }
}
