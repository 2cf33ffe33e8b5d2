package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * F32 against F64 on a DCGAN discriminator layer: x (8, 64, 14, 14), w (128, 64, 4, 4), stride 2, padding 1. Both
 * backends get the same float-valued inputs, so the difference is float accumulation error only. Each output is a
 * sum of {@code T} products, whose float error is bounded by {@code T * 2^-24 * sum |products|} (Higham's
 * gamma_T bound); the sum of absolute products is the same op run in F64 on absolute values. The test holds every
 * element to that bound and also checks the typical error is small (relative RMS below 1e-6), so a lost term or a
 * wrong index, which exceeds the bound by orders of magnitude, cannot pass.
 */
class CpuPrecisionTest {
    private static final double U = Math.scalb(1.0, -24);
    private static CpuBackend f32;
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        f32 = CpuBackend.create(2);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        f32.close();
        f64.close();
    }

    private static float[] randomFloats(SplittableRandom r, int n, double scale) {
        double[] g = gaussian(r, n);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) {
            f[i] = (float) (scale * g[i]);
        }
        return f;
    }

    private static float[] abs(float[] v) {
        float[] a = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }

    private interface Op {
        void run(Backend b, Tensor in1, Tensor in2, Tensor out);
    }

    /** Runs {@code op} in F32, in F64, and in F64 on absolute values, and checks the error bound. */
    private static void compare(String what, Op op, Shape s1, float[] v1, Shape s2, float[] v2, Shape so,
            int termsPerOutput) {
        double[] lo;
        double[] hi;
        double[] absSum;
        try (Tensor a = f32.allocate(s1); Tensor b = f32.allocate(s2); Tensor o = f32.allocate(so)) {
            f32.copyFromHost(v1, a);
            f32.copyFromHost(v2, b);
            op.run(f32, a, b, o);
            lo = o.toDoubleArray();
        }
        try (Tensor a = f64.allocate(s1); Tensor b = f64.allocate(s2); Tensor o = f64.allocate(so)) {
            f64.copyFromHost(v1, a);
            f64.copyFromHost(v2, b);
            op.run(f64, a, b, o);
            hi = o.toDoubleArray();
            f64.copyFromHost(abs(v1), a);
            f64.copyFromHost(abs(v2), b);
            op.run(f64, a, b, o);
            absSum = o.toDoubleArray();
        }
        double sq = 0;
        double ref = 0;
        for (int i = 0; i < hi.length; i++) {
            double err = Math.abs(lo[i] - hi[i]);
            // + U |hi|: the final rounding of the result to float.
            if (!(err <= termsPerOutput * U * absSum[i] + U * Math.abs(hi[i]))) {
                fail(what + ": element " + i + " F32 " + lo[i] + " F64 " + hi[i] + " exceeds the bound "
                        + termsPerOutput * U * absSum[i]);
            }
            sq += err * err;
            ref += hi[i] * hi[i];
        }
        double relRms = Math.sqrt(sq / ref);
        assertTrue(relRms < 1e-6, what + ": relative RMS error " + relRms);
    }

    @Test
    void dcganConvLayerF32AgreesWithF64() {
        SplittableRandom r = new SplittableRandom(5);
        ConvParams p = ConvParams.of(2, 1);
        Shape xs = Shape.of(8, 64, 14, 14);
        Shape ws = Shape.of(128, 64, 4, 4);
        Shape ys = p.outputShape(xs, ws);
        float[] x = randomFloats(r, xs.size(), 1);
        float[] w = randomFloats(r, ws.size(), 0.02); // DCGAN's N(0, 0.02) initialisation
        float[] dy = randomFloats(r, ys.size(), 1);
        compare("forward", (b, a, c, o) -> b.convForward(a, c, p, o), xs, x, ws, w, ys, 64 * 16);
        // Each input position receives at most Cout * ceil(kH/stride) * ceil(kW/stride) terms; bound by Cout*kH*kW.
        compare("backward data", (b, a, c, o) -> b.convBackwardData(a, c, p, o), ys, dy, ws, w, xs, 128 * 16);
        // Each weight gradient sums over N * Ho * Wo positions (the output starts at zero, so += is =).
        compare("backward filter", (b, a, c, o) -> b.convBackwardFilter(a, c, p, o), xs, x, ys, dy, ws,
                ys.dim(0) * ys.dim(2) * ys.dim(3));
    }
}
