package org.gan4j.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.backend.cpu.CpuBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class InitTest {
    private static CpuBackend f32;

    @BeforeAll
    static void open() {
        f32 = CpuBackend.create(1);
    }

    @AfterAll
    static void close() {
        f32.close();
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    private static double variance(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return s / v.length;
    }

    private static double maxAbs(double[] v) {
        double m = 0;
        for (double x : v) {
            m = Math.max(m, Math.abs(x));
        }
        return m;
    }

    /** All within [-bound, bound], reaching close to it, mean ~0 and variance ~bound^2 / 3 (uniform). */
    private static void assertUniform(double[] v, double bound, String what) {
        double max = maxAbs(v);
        assertTrue(max <= bound, what + ": max |w| " + max + " exceeds 1/sqrt(fanIn) = " + bound);
        // P(all n < 0.99 bound) = 0.99^n, negligible for n >= 2000: a too-small bound would fail here.
        assertTrue(max > 0.99 * bound, what + ": max |w| " + max + " well below the bound " + bound);
        int n = v.length;
        // Mean of U(-b, b): sd b / sqrt(3n); allow 5 sd.
        assertEquals(0, mean(v), 5 * bound / Math.sqrt(3.0 * n), what + ": mean");
        // Sample variance: E = b^2/3, sd of the mean of w^2 = b^2 sqrt(4/45) / sqrt(n); allow 5 sd.
        assertEquals(bound * bound / 3, variance(v), 5 * bound * bound * Math.sqrt(4.0 / 45) / Math.sqrt(n),
                what + ": variance");
    }

    @Test
    void pytorchDefaultBoundsFollowFanIn() {
        Linear lin = new Linear(256, 64);
        Conv2d conv = new Conv2d(16, 32, 3, 1, 1, true);
        ConvTranspose2d ct = new ConvTranspose2d(32, 16, 4, 2, 1, true);
        BatchNorm2d bn = new BatchNorm2d(8);
        try (Model m = new Model(f32, new Sequential(lin, conv, ct, bn), 1)) {
            m.initialize(Init.PYTORCH_DEFAULT, 7);
            // Linear: fanIn = in = 256, bound 1/16, for weight and bias.
            assertUniform(lin.weight().value().toDoubleArray(), 1 / 16.0, "Linear weight");
            assertTrue(maxAbs(lin.bias().value().toDoubleArray()) <= 1 / 16.0, "Linear bias within 1/sqrt(256)");
            // Conv2d: fanIn = in * k * k = 144, bound 1/12.
            assertUniform(conv.weight().value().toDoubleArray(), 1 / 12.0, "Conv2d weight");
            assertTrue(maxAbs(conv.bias().value().toDoubleArray()) <= 1 / 12.0, "Conv2d bias");
            // ConvTranspose2d: PyTorch takes fanIn from weight.size(1) * k * k = out * k * k = 16 * 16 = 256
            // (not in * k * k = 512, which would give bound 0.044 and fail the "reaches the bound" check).
            assertUniform(ct.weight().value().toDoubleArray(), 1 / 16.0, "ConvTranspose2d weight");
            assertTrue(maxAbs(ct.bias().value().toDoubleArray()) <= 1 / 16.0, "ConvTranspose2d bias");
            assertArrayEquals(new double[] {1, 1, 1, 1, 1, 1, 1, 1}, bn.weight().value().toDoubleArray(), 0.0);
            assertArrayEquals(new double[8], bn.bias().value().toDoubleArray(), 0.0);
        }
    }

    @Test
    void dcganStatistics() {
        Conv2d conv = new Conv2d(64, 64, 4, 2, 1, false);
        Linear lin = new Linear(64, 32);
        BatchNorm2d bn = new BatchNorm2d(4096);
        try (Model m = new Model(f32, new Sequential(conv, lin, bn), 1)) {
            m.initialize(Init.DCGAN, 9);
            double[] w = conv.weight().value().toDoubleArray();
            int n = w.length; // 65536
            // N(0, 0.02): sd of the mean 0.02 / sqrt(n); sd of the sample std ~ 0.02 / sqrt(2n) (0.28% of 0.02).
            assertEquals(0, mean(w), 5 * 0.02 / Math.sqrt(n), "conv weight mean");
            assertEquals(0.02, Math.sqrt(variance(w)), 5 * 0.02 / Math.sqrt(2.0 * n), "conv weight std");
            assertArrayEquals(new double[32], lin.bias().value().toDoubleArray(), 0.0, "biases are 0");
            double[] g = bn.weight().value().toDoubleArray();
            // gamma ~ N(1, 0.02) over 4096 channels: same bounds as above with n = 4096.
            assertEquals(1, mean(g), 5 * 0.02 / Math.sqrt(g.length), "BN gamma mean");
            assertEquals(0.02, Math.sqrt(variance(g)), 5 * 0.02 / Math.sqrt(2.0 * g.length), "BN gamma std");
            assertArrayEquals(new double[4096], bn.bias().value().toDoubleArray(), 0.0, "BN beta is 0");
        }
    }

    @Test
    void sameSeedSameWeightsDifferentSeedDifferent() {
        for (Init init : Init.values()) {
            try (Model a = new Model(f32, new Sequential(new Conv2d(3, 8, 4, 2, 1, false), new BatchNorm2d(8),
                    new Linear(8, 4)), 1);
                    Model b = new Model(f32, new Sequential(new Conv2d(3, 8, 4, 2, 1, false), new BatchNorm2d(8),
                            new Linear(8, 4)), 1)) {
                a.initialize(init, 100);
                b.initialize(init, 100);
                assertArrayEquals(a.parameters().toFloatArray(), b.parameters().toFloatArray(), 0f,
                        init + ": same seed, same weights");
                b.initialize(init, 101);
                float[] x = a.namedParameters().get("0.weight").value().toFloatArray();
                float[] y = b.namedParameters().get("0.weight").value().toFloatArray();
                int same = 0;
                for (int i = 0; i < x.length; i++) {
                    same += x[i] == y[i] ? 1 : 0;
                }
                assertEquals(0, same, init + ": a different seed gives different conv weights");
            }
        }
    }
}
