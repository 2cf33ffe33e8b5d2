package org.gan4j.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;

import org.gan4j.backend.Backend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.gan4j.testing.GradCheck;
import org.junit.jupiter.api.function.Executable;

/** Helpers shared by the layer tests. */
final class NnTesting {
    private NnTesting() {
    }

    /** A new tensor holding {@code values} (caller closes). */
    static Tensor tensor(Backend b, double[] values, int... dims) {
        Tensor t = b.allocate(Shape.of(dims));
        b.copyFromHost(values, t);
        return t;
    }

    /** {@code n} draws of N(0, 1) from a seeded Java generator (independent of the backend). */
    static double[] randn(long seed, int n) {
        return GradCheck.gaussian(new SplittableRandom(seed), n);
    }

    /** {@code n} draws of U[lo, hi) from a seeded Java generator. */
    static double[] uniform(long seed, int n, double lo, double hi) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextDouble(lo, hi);
        }
        return v;
    }

    static void set(Parameter p, double... values) {
        p.value().backend().copyFromHost(values, p.value());
    }

    /** Sets every parameter of {@code m} to seeded N(0, scale^2) values, and norm weights to 1 + that. */
    static void randomize(Model m, long seed, double scale) {
        long s = seed;
        for (Parameter p : m.namedParameters().values()) {
            double[] v = randn(s++, p.shape().size());
            for (int i = 0; i < v.length; i++) {
                v[i] = (p.role() == Parameter.Role.NORM_WEIGHT ? 1 : 0) + scale * v[i];
            }
            set(p, v);
        }
    }

    /** Element-wise {@code |actual - expected| <= atol + rtol * |expected|}, naming the first mismatch. */
    static void assertClose(double[] expected, double[] actual, double rtol, double atol, String what) {
        assertEquals(expected.length, actual.length, what + ": number of values");
        for (int i = 0; i < expected.length; i++) {
            double tol = atol + rtol * Math.abs(expected[i]);
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(what + ": first mismatch at index " + i + ": expected " + expected[i] + ", got " + actual[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** Asserts {@code exec} throws {@code type} with a message containing every fragment. */
    static <T extends Throwable> T assertThrowsWith(Class<T> type, Executable exec, String... fragments) {
        T e = assertThrows(type, exec);
        for (String f : fragments) {
            assertTrue(e.getMessage() != null && e.getMessage().contains(f),
                    "message should contain '" + f + "': " + e.getMessage());
        }
        return e;
    }
}
