package org.gan4j.backend.cpu;

import static org.gan4j.backend.cpu.TestSupport.dot;
import static org.gan4j.backend.cpu.TestSupport.gaussian;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Backward ops of the {@link ReferenceBackend} against central finite differences of its forward ops, in double
 * ({@link DType#F64}), eps 1e-6. (The fast F32 backend is held to the reference by CpuF32FastPathTest.)
 * Each check takes a scalar objective {@code L = sum_i r_i * out_i} with fixed random weights {@code r} (so the
 * backward op's incoming gradient is {@code r}) and compares, element by element for small inputs or along random
 * directions for large ones, the analytic gradient with {@code (L(x + eps d) - L(x - eps d)) / (2 eps)}.
 *
 * <p>Tolerance {@code 1e-6 + 1e-6 |g|}: the central difference errs by about {@code eps^2 |L'''| / 6} (~1e-12 here)
 * plus rounding {@code 2^-52 |L| / eps} (~1e-8 for |L| up to 1e2), far below it; a wrong formula errs by O(|g|).
 */
class CpuGradientCheckTest {
    private static final double EPS = 1e-6;
    private static final double ATOL = 1e-6;
    private static final double RTOL = 1e-6;
    private static final Activation[] ACTS = {Activation.IDENTITY, Activation.RELU, Activation.leakyRelu(0.2f),
        Activation.TANH, Activation.SIGMOID};
    private static ReferenceBackend cpu;

    @BeforeAll
    static void open() {
        cpu = ReferenceBackend.create();
    }

    @AfterAll
    static void close() {
        cpu.close();
    }

    /** Compares {@code analytic} with finite differences of {@code f} around {@code x0}. */
    private static void checkGradient(String what, double[] x0, double[] analytic, ToDoubleFunction<double[]> f,
            SplittableRandom r) {
        if (x0.length <= 64) {
            for (int i = 0; i < x0.length; i++) {
                double[] d = new double[x0.length];
                d[i] = 1;
                compare(what + " element " + i, directional(x0, d, f), analytic[i]);
            }
        } else {
            for (int trial = 0; trial < 3; trial++) {
                double[] d = gaussian(r, x0.length);
                compare(what + " direction " + trial, directional(x0, d, f), dot(analytic, d));
            }
        }
    }

    private static double directional(double[] x0, double[] d, ToDoubleFunction<double[]> f) {
        double[] plus = x0.clone();
        double[] minus = x0.clone();
        for (int i = 0; i < x0.length; i++) {
            plus[i] += EPS * d[i];
            minus[i] -= EPS * d[i];
        }
        return (f.applyAsDouble(plus) - f.applyAsDouble(minus)) / (2 * EPS);
    }

    private static void compare(String what, double numeric, double analytic) {
        if (!(Math.abs(numeric - analytic) <= ATOL + RTOL * Math.abs(analytic))) {
            fail(what + ": finite difference " + numeric + ", backward op " + analytic);
        }
    }

    private static Tensor tensor(Shape s, double[] v) {
        Tensor t = cpu.allocate(s);
        cpu.copyFromHost(v, t);
        return t;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] c = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i] - b[i];
        }
        return c;
    }

    // ---------------------------------------------------------------- convolution

    private void checkConv(int n, int cin, int h, int w, int cout, int kh, int kw, ConvParams p, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Shape xs = Shape.of(n, cin, h, w);
        Shape ws = Shape.of(cout, cin, kh, kw);
        Shape ys = p.outputShape(xs, ws);
        double[] xv = gaussian(r, xs.size());
        double[] wv = gaussian(r, ws.size());
        double[] rv = gaussian(r, ys.size());
        double[] dw0 = gaussian(r, ws.size());
        String what = "conv x " + xs + " w " + ws + " " + p;
        try (Tensor x = tensor(xs, xv); Tensor wt = tensor(ws, wv); Tensor y = cpu.allocate(ys);
                Tensor dy = tensor(ys, rv); Tensor dx = cpu.allocate(xs); Tensor dw = tensor(ws, dw0)) {
            cpu.fill(Float.NaN, dx); // dx must be overwritten, whatever it held
            cpu.convBackwardData(dy, wt, p, dx);
            cpu.convBackwardFilter(x, dy, p, dw);
            double[] gradW = minus(dw.toDoubleArray(), dw0); // dw accumulates onto dw0
            ToDoubleFunction<double[]> byX = v -> {
                cpu.copyFromHost(v, x);
                cpu.copyFromHost(wv, wt);
                cpu.convForward(x, wt, p, y);
                return dot(rv, y.toDoubleArray());
            };
            ToDoubleFunction<double[]> byW = v -> {
                cpu.copyFromHost(xv, x);
                cpu.copyFromHost(v, wt);
                cpu.convForward(x, wt, p, y);
                return dot(rv, y.toDoubleArray());
            };
            checkGradient(what + " dx", xv, dx.toDoubleArray(), byX, r);
            checkGradient(what + " dw", wv, gradW, byW, r);
        }
    }

    @Test
    void convGradients() {
        checkConv(2, 3, 5, 5, 4, 3, 3, ConvParams.of(1, 1), 1);
        checkConv(2, 2, 8, 8, 3, 4, 4, ConvParams.of(2, 1), 2); // DCGAN: 4x4, stride 2, padding 1
        checkConv(3, 2, 7, 6, 2, 3, 2, new ConvParams(2, 1, 1, 0), 3); // non-square everything
        checkConv(2, 1, 6, 6, 2, 2, 2, ConvParams.of(3, 2), 4); // stride > kernel: some inputs never read
        checkConv(2, 2, 5, 5, 3, 5, 5, ConvParams.of(1, 0), 5); // kernel covers the input: 1x1 output
        checkConv(2, 2, 6, 6, 3, 3, 3, ConvParams.of(2, 0), 6); // last row/column dropped by the floor
        checkConv(1, 4, 4, 4, 2, 4, 4, ConvParams.of(1, 0), 7); // generator's first layer shape, batch 1
    }

    @Test
    void convGradientsOnALargerLayerAlongRandomDirections() {
        checkConv(4, 16, 16, 16, 32, 4, 4, ConvParams.of(2, 1), 10);
    }

    // ---------------------------------------------------------------- bias + activation

    @Test
    void biasActivationGradients() {
        for (Activation act : ACTS) {
            for (Shape xs : new Shape[] {Shape.of(2, 3, 2, 2), Shape.of(4, 3)}) {
                SplittableRandom r = new SplittableRandom(11);
                double[] xv = gaussian(r, xs.size());
                double[] bv = gaussian(r, 3);
                double[] rv = gaussian(r, xs.size());
                double[] db0 = gaussian(r, 3);
                String what = "bias+" + act + " " + xs;
                try (Tensor x = tensor(xs, xv); Tensor b = tensor(Shape.of(3), bv); Tensor y = cpu.allocate(xs);
                        Tensor dy = tensor(xs, rv); Tensor dx = cpu.allocate(xs); Tensor db = tensor(Shape.of(3), db0)) {
                    cpu.biasActivationForward(x, b, act, y);
                    cpu.biasActivationBackward(y, dy, act, dx, db);
                    ToDoubleFunction<double[]> byX = v -> {
                        cpu.copyFromHost(v, x);
                        cpu.copyFromHost(bv, b);
                        cpu.biasActivationForward(x, b, act, y);
                        return dot(rv, y.toDoubleArray());
                    };
                    ToDoubleFunction<double[]> byB = v -> {
                        cpu.copyFromHost(xv, x);
                        cpu.copyFromHost(v, b);
                        cpu.biasActivationForward(x, b, act, y);
                        return dot(rv, y.toDoubleArray());
                    };
                    checkGradient(what + " dx", xv, dx.toDoubleArray(), byX, r);
                    checkGradient(what + " dbias", bv, minus(db.toDoubleArray(), db0), byB, r);
                }
            }
        }
    }

    // ---------------------------------------------------------------- batch norm

    private void checkBatchNorm(Shape xs, Activation act, boolean train, long seed) {
        int c = xs.dim(1);
        Shape cs = Shape.of(c);
        SplittableRandom r = new SplittableRandom(seed);
        double[] xv = gaussian(r, xs.size());
        double[] gv = gaussian(r, c);
        double[] bv = gaussian(r, c);
        double[] rv = gaussian(r, xs.size());
        double[] dg0 = gaussian(r, c);
        double[] db0 = gaussian(r, c);
        double[] rmv = gaussian(r, c);
        double[] rvv = new double[c];
        for (int i = 0; i < c; i++) {
            rvv[i] = 0.5 + r.nextDouble();
        }
        float eps = 1e-3f;
        String what = (train ? "train" : "eval") + " batch norm + " + act + " " + xs;
        try (Tensor x = tensor(xs, xv); Tensor g = tensor(cs, gv); Tensor b = tensor(cs, bv);
                Tensor y = cpu.allocate(xs); Tensor dy = tensor(xs, rv); Tensor dx = cpu.allocate(xs);
                Tensor dg = tensor(cs, dg0); Tensor db = tensor(cs, db0); Tensor sm = cpu.allocate(cs);
                Tensor si = cpu.allocate(cs); Tensor rm = tensor(cs, rmv); Tensor rvar = tensor(cs, rvv)) {
            ToDoubleFunction<double[]> forward = all -> {
                cpu.copyFromHost(java.util.Arrays.copyOfRange(all, 0, xv.length), x);
                cpu.copyFromHost(java.util.Arrays.copyOfRange(all, xv.length, xv.length + c), g);
                cpu.copyFromHost(java.util.Arrays.copyOfRange(all, xv.length + c, xv.length + 2 * c), b);
                if (train) {
                    cpu.batchNormTrainForward(x, g, b, eps, 0.1f, act, null, null, y, sm, si);
                } else {
                    cpu.batchNormEvalForward(x, g, b, rm, rvar, eps, act, y);
                }
                return dot(rv, y.toDoubleArray());
            };
            double[] all = new double[xv.length + 2 * c];
            System.arraycopy(xv, 0, all, 0, xv.length);
            System.arraycopy(gv, 0, all, xv.length, c);
            System.arraycopy(bv, 0, all, xv.length + c, c);
            forward.applyAsDouble(all);
            cpu.fill(Float.NaN, dx); // dx must be overwritten
            if (train) {
                cpu.batchNormTrainBackward(x, y, dy, g, sm, si, act, dx, dg, db);
            } else {
                cpu.batchNormEvalBackward(x, y, dy, g, rm, rvar, eps, act, dx, dg, db);
            }
            double[] analytic = new double[all.length];
            System.arraycopy(dx.toDoubleArray(), 0, analytic, 0, xv.length);
            System.arraycopy(minus(dg.toDoubleArray(), dg0), 0, analytic, xv.length, c);
            System.arraycopy(minus(db.toDoubleArray(), db0), 0, analytic, xv.length + c, c);
            checkGradient(what + " (x, gamma, beta)", all, analytic, forward, r);
        }
    }

    @Test
    void batchNormTrainGradients() {
        for (Activation act : ACTS) {
            checkBatchNorm(Shape.of(3, 2, 2, 2), act, true, 21);
            checkBatchNorm(Shape.of(5, 3), act, true, 22);
            checkBatchNorm(Shape.of(4, 3, 5, 5), act, true, 23); // 306 values: random directions
        }
    }

    @Test
    void batchNormEvalGradients() {
        for (Activation act : ACTS) {
            checkBatchNorm(Shape.of(3, 2, 2, 2), act, false, 31);
            checkBatchNorm(Shape.of(5, 3), act, false, 32);
        }
    }

    // ---------------------------------------------------------------- losses

    @Test
    void lossGradients() {
        SplittableRandom r = new SplittableRandom(41);
        int n = 9;
        double[] xv = gaussian(r, n);
        double[] tv = new double[n];
        for (int i = 0; i < n; i++) {
            xv[i] *= 3;
            tv[i] = i % 3 == 0 ? 1 : r.nextDouble();
        }
        for (boolean bce : new boolean[] {true, false}) {
            try (Tensor x = tensor(Shape.of(n), xv); Tensor t = tensor(Shape.of(n), tv); Tensor loss = cpu.allocate(1);
                    Tensor d = cpu.allocate(n)) {
                ToDoubleFunction<double[]> f = v -> {
                    cpu.copyFromHost(v, x);
                    if (bce) {
                        cpu.bceWithLogitsLoss(x, t, 0.7f, loss, d);
                    } else {
                        cpu.squaredErrorLoss(x, t, 0.7f, loss, d);
                    }
                    return loss.toDoubleArray()[0];
                };
                f.applyAsDouble(xv);
                double[] analytic = d.toDoubleArray();
                checkGradient(bce ? "bce" : "squared error", xv, analytic, f, r);
            }
        }
    }
}
