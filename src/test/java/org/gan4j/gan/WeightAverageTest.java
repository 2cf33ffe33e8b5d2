package org.gan4j.gan;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.nn.Linear;
import org.gan4j.nn.Model;
import org.junit.jupiter.api.Test;

class WeightAverageTest {
    /** A model without batch norm: no statistics to recompute. */
    private static final Runnable NO_STATISTICS = () -> { };
    private static final double[][] WEIGHTS = {{1, -2, 0.5}, {3, 0, -1}, {-2, 4, 2.5}};

    @Test
    void biasCorrectedAverageOfKnownWeights() {
        double beta = 0.8;
        try (ReferenceBackend b = ReferenceBackend.create(); Model m = new Model(b, new Linear(3, 1, false), 0);
                WeightAverage avg = new WeightAverage(m, (float) beta)) {
            for (int t = 1; t <= WEIGHTS.length; t++) {
                b.copyFromHost(WEIGHTS[t - 1], m.namedParameters().get("weight").value());
                avg.update();
                // by hand: sum_i beta^(t-i) (1 - beta) w_i / (1 - beta^t)
                double[] expected = new double[3];
                double betaF = (float) beta; // the decay travels as a float
                for (int i = 1; i <= t; i++) {
                    for (int j = 0; j < 3; j++) {
                        expected[j] += Math.pow(betaF, t - i) * (1 - betaF) * WEIGHTS[i - 1][j];
                    }
                }
                for (int j = 0; j < 3; j++) {
                    expected[j] /= 1 - Math.pow(betaF, t);
                }
                double[] trained = m.parameters().toDoubleArray();
                double[] averaged = avg.withAverage(t, NO_STATISTICS,
                        () -> m.namedParameters().get("weight").value().toDoubleArray());
                // F64 ops; the correction factor is rounded to float once (relative 6e-8)
                assertArrayEquals(expected, averaged, 1e-6, "average after " + t + " updates");
                assertArrayEquals(trained, m.parameters().toDoubleArray(), 0, "trained weights put back exactly");
                // the same by name, as float (the state dict's type: relative 6e-8 more)
                assertArrayEquals(expected, toDouble(avg.stateDict(t, NO_STATISTICS).get("weight")), 1e-6,
                        "state dict " + t);
            }
        }
    }

    @Test
    void noUpdateMeansTheTrainedWeightsAndStateRoundTrips() {
        try (CpuBackend b = CpuBackend.create(1); Model m = new Model(b, new Linear(2, 2), 0);
                WeightAverage a = new WeightAverage(m, 0.99f); WeightAverage copy = new WeightAverage(m, 0.99f)) {
            b.copyFromHost(new float[] {1, 2, 3, 4}, m.namedParameters().get("weight").value());
            assertArrayEquals(m.parameters().toFloatArray(),
                    a.withAverage(0, NO_STATISTICS, m.parameters()::toFloatArray));
            a.update();
            a.update();
            copy.load(a.sum());
            assertArrayEquals(a.withAverage(2, NO_STATISTICS, m.parameters()::toFloatArray),
                    copy.withAverage(2, NO_STATISTICS, m.parameters()::toFloatArray), 0f);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> a.load(new float[3]));
            assertEquals(true, e.getMessage().contains("another model"), e.getMessage());
        }
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
