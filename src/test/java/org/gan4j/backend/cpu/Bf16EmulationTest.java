package org.gan4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.BackendOptions;
import org.gan4j.backend.Backends;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.Precision;
import org.gan4j.tensor.BFloat16;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Bf16EmulationBackend}, the CPU reference of {@link Precision#BF16}: its convolutions and products against
 * the F64 {@link ReferenceBackend} on the unrounded inputs, within the error bound of bf16 inputs and outputs, and
 * shown to round (its results are not the F32 backend's).
 *
 * <p>The bound, per output element {@code y = sum_i x_i w_i} of {@code k} terms, with {@code u = 2^-8} (bf16's unit
 * roundoff) and {@code S = sum_i |x_i w_i|}: rounding both inputs changes each product by at most
 * {@code (2u + u^2) |x_i w_i|}; the float32 accumulation adds at most {@code k 2^-24 S}; rounding the output adds
 * {@code u |y|} (convolutions; products keep float32 results). So
 * {@code |emulated - exact| <= (2u + u^2 + k 2^-24) S (1 + u) + u |exact|}, computed per element from the F64 run of
 * {@code |x| * |w|}.
 */
class Bf16EmulationTest {
    private static final double U = BFloat16.UNIT_ROUNDOFF;
    private static Backend bf16;
    private static Backend f32;
    private static ReferenceBackend f64;

    @BeforeAll
    static void open() {
        bf16 = Backends.open("cpu", new BackendOptions(1, Precision.BF16), m -> { });
        f32 = CpuBackend.create(1);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        bf16.close();
        f32.close();
        f64.close();
    }

    @Test
    void cpuProviderOpensTheEmulationForBf16AndFp32ForTf32() {
        assertTrue(bf16 instanceof Bf16EmulationBackend);
        assertEquals(Precision.BF16, bf16.precision());
        assertTrue(bf16.capabilities().precisions().contains(Precision.BF16));
        try (Backend tf32 = Backends.open("cpu", new BackendOptions(1, Precision.TF32), m -> { })) {
            assertTrue(tf32 instanceof CpuBackend);
            assertEquals(Precision.FP32, tf32.precision(), "TF32 on the CPU is FP32");
        }
    }

    private static double[] gauss(long seed, int n, double std) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (std * r.nextGaussian()); // float32 inputs, the same on every backend
        }
        return v;
    }

    private static Tensor on(Backend b, double[] v, Shape s) {
        Tensor t = b.allocate(s);
        b.copyFromHost(v, t);
        return t;
    }

    private static double[] abs(double[] v) {
        double[] a = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            a[i] = Math.abs(v[i]);
        }
        return a;
    }

    /** Runs {@code op} on the three backends and checks the emulation against the bound; counts F32 differences. */
    private interface Op2 {
        void run(Backend b, Tensor a, Tensor c, Tensor out);
    }

    private static void check(String what, double[] a, Shape as, double[] c, Shape cs, Shape os, int k,
            boolean roundsOutput, Op2 op) {
        double[] exact;
        double[] magnitude;
        double[] emulated;
        double[] single;
        try (Tensor x = on(f64, a, as); Tensor w = on(f64, c, cs); Tensor y = f64.allocate(os);
                Tensor ax = on(f64, abs(a), as); Tensor aw = on(f64, abs(c), cs); Tensor s = f64.allocate(os)) {
            op.run(f64, x, w, y);
            op.run(f64, ax, aw, s);
            exact = y.toDoubleArray();
            magnitude = s.toDoubleArray();
        }
        try (Tensor x = on(bf16, a, as); Tensor w = on(bf16, c, cs); Tensor y = bf16.allocate(os)) {
            op.run(bf16, x, w, y);
            emulated = y.toDoubleArray();
        }
        try (Tensor x = on(f32, a, as); Tensor w = on(f32, c, cs); Tensor y = f32.allocate(os)) {
            op.run(f32, x, w, y);
            single = y.toDoubleArray();
        }
        int differFromF32 = 0;
        double worstF32 = 0;
        for (int i = 0; i < exact.length; i++) {
            double bound = (2 * U + U * U + k * 0x1p-24) * magnitude[i] * (1 + U)
                    + (roundsOutput ? U * Math.abs(exact[i]) : 0);
            double err = Math.abs(emulated[i] - exact[i]);
            assertTrue(err <= bound, what + " [" + i + "]: emulated " + emulated[i] + ", exact " + exact[i]
                    + ", error " + err + " > bound " + bound);
            if (roundsOutput) {
                assertEquals(emulated[i], BFloat16.round((float) emulated[i]), what + " output is bf16 [" + i + "]");
            }
            worstF32 = Math.max(worstF32, Math.abs(single[i] - exact[i]) / Math.max(magnitude[i], 1e-30));
            if (emulated[i] != single[i]) {
                differFromF32++;
            }
        }
        // the emulation rounds: most results differ from plain float32, whose error is far below bf16's
        assertTrue(differFromF32 > exact.length / 2, what + ": only " + differFromF32 + " of " + exact.length
                + " differ from float32");
        assertTrue(worstF32 < 1e-4, what + ": float32 error " + worstF32 + " (sanity of the F64 reference)");
    }

    @Test
    void convolutionsWithinTheBf16Bound() {
        ConvParams p = ConvParams.of(2, 1);
        Shape xs = Shape.of(2, 8, 8, 8);
        Shape ws = Shape.of(16, 8, 4, 4);
        Shape ys = p.outputShape(xs, ws);
        double[] x = gauss(1, xs.size(), 1);
        double[] w = gauss(2, ws.size(), 0.1);
        double[] dy = gauss(3, ys.size(), 1);
        check("convForward", x, xs, w, ws, ys, 8 * 16, true, (b, a, c, out) -> b.convForward(a, c, p, out));
        check("convBackwardData", dy, ys, w, ws, xs, 16 * 16, true,
                (b, a, c, out) -> b.convBackwardData(a, c, p, out));
        // dw starts at zero here, so "added to dw" is the rounded gradient itself
        check("convBackwardFilter", x, xs, dy, ys, ws, 2 * 4 * 4, true,
                (b, a, c, out) -> b.convBackwardFilter(a, c, p, out));
    }

    @Test
    void matrixProductWithinTheBf16Bound() {
        Shape as = Shape.of(9, 40);
        Shape bs = Shape.of(40, 7);
        Shape cs = Shape.of(9, 7);
        check("gemm", gauss(4, as.size(), 1), as, gauss(5, bs.size(), 1), bs, cs, 40, false,
                (b, a, c, out) -> b.gemm(false, false, 1f, a, c, 0f, out));
    }

    /** dw accumulates: the call's gradient is rounded, then added in float32 to what dw held. */
    @Test
    void filterGradientIsRoundedThenAccumulatedInFloat32() {
        ConvParams p = ConvParams.of(1, 0);
        Shape xs = Shape.of(1, 3, 5, 5);
        Shape ws = Shape.of(4, 3, 3, 3);
        Shape ys = p.outputShape(xs, ws);
        double[] x = gauss(6, xs.size(), 1);
        double[] dy = gauss(7, ys.size(), 1);
        double[] start = gauss(8, ws.size(), 1);
        double[] once;
        try (Tensor a = on(bf16, x, xs); Tensor g = on(bf16, dy, ys); Tensor dw = bf16.allocate(ws)) {
            bf16.convBackwardFilter(a, g, p, dw);
            once = dw.toDoubleArray();
        }
        try (Tensor a = on(bf16, x, xs); Tensor g = on(bf16, dy, ys); Tensor dw = on(bf16, start, ws)) {
            bf16.convBackwardFilter(a, g, p, dw);
            double[] got = dw.toDoubleArray();
            for (int i = 0; i < got.length; i++) {
                assertEquals((float) ((float) start[i] + (float) once[i]), got[i], 0.0, "dw[" + i + "]");
            }
        }
    }

    /**
     * Batch norm in training: {@code y} and {@code dx} are the float32 backend's results rounded to bf16 (the stored
     * activation and gradient, CUDA's resident bf16 NHWC values), the statistics and dgamma/dbeta are not rounded.
     */
    @Test
    void batchNormStoresBf16OutputsAndFloat32Statistics() {
        Shape xs = Shape.of(4, 8, 3, 3);
        Shape cs = Shape.of(8);
        double[] x = gauss(9, xs.size(), 2);
        double[] dy = gauss(10, xs.size(), 1);
        double[] gamma = gauss(11, cs.size(), 0.3);
        double[][] emulatedOut = batchNorm(bf16, x, dy, gamma, xs, cs);
        double[][] single = batchNorm(f32, x, dy, gamma, xs, cs);
        for (int k = 0; k < single.length; k++) {
            boolean rounded = k < 2; // y, dx
            int differ = 0;
            for (int i = 0; i < single[k].length; i++) {
                double want = rounded ? BFloat16.round((float) single[k][i]) : single[k][i];
                assertEquals(want, emulatedOut[k][i], 0.0, "output " + k + " [" + i + "]");
                differ += emulatedOut[k][i] != single[k][i] ? 1 : 0;
            }
            if (rounded) {
                assertTrue(differ > single[k].length / 2, "output " + k + " rounded: " + differ + " differ");
            }
        }
    }

    /** y, dx, mean, invStd, dgamma, dbeta of a training batch norm (leaky ReLU) on {@code b}. */
    private static double[][] batchNorm(Backend b, double[] x, double[] dy, double[] gamma, Shape xs, Shape cs) {
        Activation act = Activation.leakyRelu(0.2f);
        try (Tensor tx = on(b, x, xs); Tensor tdy = on(b, dy, xs); Tensor tg = on(b, gamma, cs);
                Tensor beta = b.allocate(cs); Tensor y = b.allocate(xs); Tensor mean = b.allocate(cs);
                Tensor invStd = b.allocate(cs); Tensor dx = b.allocate(xs); Tensor dgamma = b.allocate(cs);
                Tensor dbeta = b.allocate(cs)) {
            b.batchNormTrainForward(tx, tg, beta, 1e-5f, 0.1f, act, null, null, y, mean, invStd);
            b.batchNormTrainBackward(tx, y, tdy, tg, mean, invStd, act, dx, dgamma, dbeta);
            return new double[][] {y.toDoubleArray(), dx.toDoubleArray(), mean.toDoubleArray(),
                invStd.toDoubleArray(), dgamma.toDoubleArray(), dbeta.toDoubleArray()};
        }
    }
}
