package org.gan4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/** Small helpers shared by the CPU backend tests. */
final class TestSupport {
    private TestSupport() {
    }

    /** A tensor of {@code shape} holding {@code values}. */
    static Tensor tensor(Backend b, Shape shape, double... values) {
        Tensor t = b.allocate(shape);
        b.copyFromHost(values, t);
        return t;
    }

    /** A tensor of {@code shape} holding {@code values}. */
    static Tensor tensor(Backend b, Shape shape, float[] values) {
        Tensor t = b.allocate(shape);
        b.copyFromHost(values, t);
        return t;
    }

    static Tensor tensor(Backend b, int[] dims, double... values) {
        return tensor(b, Shape.of(dims), values);
    }

    /** A 1-D tensor of {@code values}. */
    static Tensor vector(Backend b, double... values) {
        return tensor(b, Shape.of(values.length), values);
    }

    /** {@code n} draws of N(0, 1) from a seeded Java generator (independent of the backend's Philox). */
    static double[] gaussian(SplittableRandom r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i += 2) {
            double u1 = 1 - r.nextDouble();
            double u2 = r.nextDouble();
            double rad = Math.sqrt(-2 * Math.log(u1));
            v[i] = rad * Math.cos(2 * Math.PI * u2);
            if (i + 1 < n) {
                v[i + 1] = rad * Math.sin(2 * Math.PI * u2);
            }
        }
        return v;
    }

    /** {@code n} standard normal draws rounded to float (see {@link #gaussian}). */
    static float[] floats(SplittableRandom r, int n) {
        double[] g = gaussian(r, n);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) g[i];
        }
        return f;
    }

    /** Element-wise {@code |actual - expected| <= tol}, reporting the first mismatch with its index. */
    static void assertClose(double[] expected, double[] actual, double tol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                fail(what + ": first mismatch at index " + i + ": expected " + expected[i] + ", got " + actual[i]
                        + " (tolerance " + tol + ")");
            }
        }
    }

    /** Element-wise {@code |actual - expected| <= atol + rtol * |expected|}. */
    static void assertClose(double[] expected, double[] actual, double atol, double rtol, String what) {
        if (expected.length != actual.length) {
            fail(what + ": expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < expected.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= atol + rtol * Math.abs(expected[i]))) {
                fail(what + ": first mismatch at index " + i + ": expected " + expected[i] + ", got " + actual[i]
                        + " (atol " + atol + ", rtol " + rtol + ")");
            }
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
