package org.gan4j.backend.cpu;

import java.util.function.IntToDoubleFunction;
import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.Philox;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Storage;
import org.gan4j.tensor.Tensor;

/**
 * The reference: every op of {@link Backend} in double precision ({@link DType#F64} tensors) as the direct loops of
 * its formula, on one thread, with no library, no blocking and no workspace (the convolution is the six-deep sum of its
 * definition, the matrix product the triple loop). Slow and obviously correct: it is the single spec the fast
 * {@link CpuBackend} and the CUDA kernels are tested against, and the backend of the finite-difference gradient checks
 * (a perturbation of 1e-6 survives in double).
 *
 * <p><b>Order.</b> Reductions run in the order the fast paths use (per channel: samples, then positions), so a fast
 * F32 path that evaluates the same formula in double on the same float inputs rounds to exactly this result. Random
 * ops follow the Philox stream layout of {@link Philox}: element {@code i} of an op drawing {@code k} elements per
 * block uses block {@code counter + i / k}.
 *
 * <p><b>Threads.</b> One thread at a time, as every backend; it has no threads of its own.
 */
public final class ReferenceBackend extends Backend {
    private boolean closed;

    private ReferenceBackend() {
        super(DType.F64);
    }

    /** A new reference backend (F64, one thread). */
    public static ReferenceBackend create() {
        return new ReferenceBackend();
    }

    @Override
    public String name() {
        return "reference";
    }

    @Override
    public String deviceDescription() {
        return "CPU reference (F64, direct loops, 1 thread)";
    }

    /** Nothing to wait for: every op has finished when it returns. */
    @Override
    public void synchronize() {
        ensureOpen();
    }

    @Override
    public void close() {
        closed = true;
    }

    /** A stream in the layout of {@link Philox}, as the fast CPU backend's: the same seed gives the same values. */
    @Override
    public RandomState newRandom(long seed) {
        ensureOpen();
        return new CpuRandomState(seed);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this reference backend is closed; create a new one "
                    + "(ReferenceBackend.create())");
        }
    }

    // ---------------------------------------------------------------- memory

    @Override
    protected Storage allocateStorage(long elements) {
        ensureOpen();
        return new CpuStorage(DType.F64, elements);
    }

    /** {@code out[i] = f(i)} for every element of {@code out}, in order. */
    private static void setEach(Tensor out, IntToDoubleFunction f) {
        Acc o = Acc.of(out);
        for (int i = 0; i < out.size(); i++) {
            o.set(i, f.applyAsDouble(i));
        }
    }

    @Override
    protected void doCopyFromHost(float[] src, Tensor dst) {
        ensureOpen();
        setEach(dst, i -> src[i]);
    }

    @Override
    protected void doCopyFromHost(double[] src, Tensor dst) {
        ensureOpen();
        setEach(dst, i -> src[i]);
    }

    @Override
    protected void doCopyToHost(Tensor src, float[] dst) {
        ensureOpen();
        Acc s = Acc.of(src);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = (float) s.get(i);
        }
    }

    @Override
    protected void doCopyToHost(Tensor src, double[] dst) {
        ensureOpen();
        Acc s = Acc.of(src);
        for (int i = 0; i < dst.length; i++) {
            dst[i] = s.get(i);
        }
    }

    // ---------------------------------------------------------------- elementwise and reductions

    @Override
    protected void doFill(float value, Tensor dst) {
        ensureOpen();
        setEach(dst, i -> value);
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        ensureOpen();
        setEach(dst, Acc.of(src)::get);
    }

    @Override
    protected void doScale(float alpha, Tensor x) {
        ensureOpen();
        Acc a = Acc.of(x);
        setEach(x, i -> alpha * a.get(i));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        setEach(y, i -> ya.get(i) + alpha * xa.get(i));
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        ensureOpen();
        Acc aa = Acc.of(a);
        Acc ba = Acc.of(b);
        setEach(out, i -> aa.get(i) * ba.get(i));
    }

    @Override
    protected void doMean(Tensor x, Activation act, Tensor out) {
        ensureOpen();
        Acc a = Acc.of(x);
        double sum = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += act.apply(a.get(i));
        }
        Acc.of(out).set(0, sum / x.size());
    }

    @Override
    protected void doSumOfSquares(Tensor x, Tensor out) {
        ensureOpen();
        Acc a = Acc.of(x);
        double sum = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += a.get(i) * a.get(i);
        }
        Acc.of(out).set(0, sum);
    }

    // ---------------------------------------------------------------- matrix product

    /** {@code c[i][j] = alpha sum_l op(a)[i][l] op(b)[l][j] + beta c[i][j]}; with beta 0, c's old value is ignored. */
    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        ensureOpen();
        double[] av = values(a);
        double[] bv = values(b);
        double[] cv = values(c);
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int l = 0; l < k; l++) {
                    sum += av[transA ? l * m + i : i * k + l] * bv[transB ? j * k + l : l * n + j];
                }
                cv[i * n + j] = alpha * sum + (beta == 0 ? 0 : beta * cv[i * n + j]);
            }
        }
        setEach(c, i -> cv[i]);
    }

    // ---------------------------------------------------------------- bias + activation

    /** Channels (dimension 1, or 1 for a vector per sample) and positions per channel of a (N, C, ...) tensor. */
    private static int channels(Tensor t) {
        return t.shape().rank() >= 2 ? t.dim(1) : 1;
    }

    private static int spatial(Tensor t) {
        return t.size() / (t.dim(0) * channels(t));
    }

    /** Index of position {@code i} of channel {@code c} of sample {@code s}. */
    private static int at(int s, int c, int i, int channels, int spatial) {
        return (s * channels + c) * spatial + i;
    }

    @Override
    protected void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        int channels = channels(x);
        int spatial = spatial(x);
        for (int s = 0; s < x.dim(0); s++) {
            for (int c = 0; c < channels; c++) {
                double b = bias == null ? 0 : Acc.of(bias).get(c);
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    ya.set(j, act.apply(xa.get(j) + b));
                }
            }
        }
    }

    @Override
    protected void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        ensureOpen();
        Acc ya = Acc.of(y);
        Acc dya = Acc.of(dy);
        Acc dxa = Acc.of(dx);
        int channels = channels(y);
        int spatial = spatial(y);
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int s = 0; s < y.dim(0); s++) {
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    double d = dya.get(j) * act.derivativeFromOutput(ya.get(j));
                    dxa.set(j, d);
                    sum += d;
                }
            }
            if (dbias != null) {
                Acc.of(dbias).add(c, sum);
            }
        }
    }

    // ---------------------------------------------------------------- batch norm

    @Override
    protected void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        int n = x.dim(0);
        int channels = x.dim(1);
        int spatial = spatial(x);
        long count = (long) n * spatial;
        for (int c = 0; c < channels; c++) {
            double sum = 0;
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < spatial; i++) {
                    sum += xa.get(at(s, c, i, channels, spatial));
                }
            }
            double mean = sum / count;
            double sq = 0;
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < spatial; i++) {
                    double d = xa.get(at(s, c, i, channels, spatial)) - mean;
                    sq += d * d;
                }
            }
            double var = sq / count;
            double invStd = 1 / Math.sqrt(var + eps);
            double g = Acc.of(gamma).get(c);
            double b = beta == null ? 0 : Acc.of(beta).get(c);
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    ya.set(j, act.apply(g * (xa.get(j) - mean) * invStd + b));
                }
            }
            Acc.of(saveMean).set(c, mean);
            Acc.of(saveInvStd).set(c, invStd);
            if (runningMean != null) {
                Acc rm = Acc.of(runningMean);
                rm.set(c, (1 - (double) momentum) * rm.get(c) + momentum * mean);
            }
            if (runningVar != null) {
                Acc rv = Acc.of(runningVar);
                rv.set(c, (1 - (double) momentum) * rv.get(c) + momentum * var * count / (count - 1));
            }
        }
    }

    @Override
    protected void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        batchNormBackward(x, y, dy, gamma, Acc.of(saveMean), Acc.of(saveInvStd), null, 0, true, act, dx, dgamma,
                dbeta);
    }

    @Override
    protected void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        ensureOpen();
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        int channels = x.dim(1);
        int spatial = spatial(x);
        for (int s = 0; s < x.dim(0); s++) {
            for (int c = 0; c < channels; c++) {
                double mean = Acc.of(runningMean).get(c);
                double invStd = 1 / Math.sqrt(Acc.of(runningVar).get(c) + eps);
                double g = Acc.of(gamma).get(c);
                double b = beta == null ? 0 : Acc.of(beta).get(c);
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    ya.set(j, act.apply(g * (xa.get(j) - mean) * invStd + b));
                }
            }
        }
    }

    @Override
    protected void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        ensureOpen();
        batchNormBackward(x, y, dy, gamma, Acc.of(runningMean), null, Acc.of(runningVar), eps, false, act, dx,
                dgamma, dbeta);
    }

    /**
     * Both batch-norm backwards, with {@code dz = dy * act'(y)} and {@code xhat = (x - mean) invStd}:
     * {@code dgamma += sum dz xhat}, {@code dbeta += sum dz}; in training mode (batch statistics, which depend on x)
     * {@code dx = gamma invStd / count (count dz - sum dz - xhat sum dz xhat)}, in eval mode (constants)
     * {@code dx = gamma invStd dz}. The inverse deviation is {@code invStd} as saved, or from {@code var} and eps.
     */
    private static void batchNormBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Acc means, Acc invStds,
            Acc vars, float eps, boolean training, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        Acc xa = Acc.of(x);
        Acc ya = Acc.of(y);
        Acc dya = Acc.of(dy);
        Acc dxa = Acc.of(dx);
        int n = x.dim(0);
        int channels = x.dim(1);
        int spatial = spatial(x);
        long count = (long) n * spatial;
        for (int c = 0; c < channels; c++) {
            double mean = means.get(c);
            double invStd = invStds != null ? invStds.get(c) : 1 / Math.sqrt(vars.get(c) + eps);
            double sumDz = 0;
            double sumDzXhat = 0;
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    double dz = dya.get(j) * act.derivativeFromOutput(ya.get(j));
                    sumDz += dz;
                    sumDzXhat += dz * (xa.get(j) - mean) * invStd;
                }
            }
            double g = Acc.of(gamma).get(c);
            for (int s = 0; s < n; s++) {
                for (int i = 0; i < spatial; i++) {
                    int j = at(s, c, i, channels, spatial);
                    double dz = dya.get(j) * act.derivativeFromOutput(ya.get(j));
                    double xhat = (xa.get(j) - mean) * invStd;
                    dxa.set(j, training ? g * invStd / count * (count * dz - sumDz - xhat * sumDzXhat)
                            : g * invStd * dz);
                }
            }
            if (dgamma != null) {
                Acc.of(dgamma).add(c, sumDzXhat);
            }
            if (dbeta != null) {
                Acc.of(dbeta).add(c, sumDz);
            }
        }
    }

    // ---------------------------------------------------------------- convolution

    /** Which operand a convolution op sums into: y (forward), x (data gradient) or w (filter gradient). */
    private enum Into { Y, X, W }

    /**
     * The one loop nest of all three convolution ops, over arrays {@code x: (N, Cin, H, W)}, {@code w: (Cout, Cin, kH,
     * kW)} and {@code y: (N, Cout, Ho, Wo)}: for every output position {@code (s, co, oh, ow)} and every kernel tap
     * {@code (ci, kh, kw)} whose input position {@code (ih, iw) = (oh sH - pH + kh, ow sW - pW + kw)} lies inside the
     * image (the rest is zero padding), adds the product of the other two operands to {@code into}'s element.
     */
    private static void convLoops(Into into, double[] x, double[] w, double[] y, Tensor xt, Tensor wt, Tensor yt,
            ConvParams p) {
        int n = xt.dim(0), cin = xt.dim(1), h = xt.dim(2), wd = xt.dim(3);
        int cout = wt.dim(0), kh = wt.dim(2), kw = wt.dim(3), ho = yt.dim(2), wo = yt.dim(3);
        for (int s = 0; s < n; s++) {
            for (int co = 0; co < cout; co++) {
                for (int oh = 0; oh < ho; oh++) {
                    for (int ow = 0; ow < wo; ow++) {
                        int yi = ((s * cout + co) * ho + oh) * wo + ow;
                        for (int ci = 0; ci < cin; ci++) {
                            for (int r = 0; r < kh; r++) {
                                int ih = oh * p.strideH() - p.padH() + r;
                                for (int q = 0; q < kw; q++) {
                                    int iw = ow * p.strideW() - p.padW() + q;
                                    if (ih < 0 || ih >= h || iw < 0 || iw >= wd) {
                                        continue;
                                    }
                                    int xi = ((s * cin + ci) * h + ih) * wd + iw;
                                    int wi = ((co * cin + ci) * kh + r) * kw + q;
                                    switch (into) {
                                        case Y -> y[yi] += x[xi] * w[wi];
                                        case X -> x[xi] += y[yi] * w[wi];
                                        case W -> w[wi] += x[xi] * y[yi];
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /** A copy of {@code t}'s values. */
    private static double[] values(Tensor t) {
        Acc a = Acc.of(t);
        double[] v = new double[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = a.get(i);
        }
        return v;
    }

    /** {@code y[s, co, oh, ow] = sum_{ci, kh, kw} x[s, ci, ih, iw] w[co, ci, kh, kw]} (PyTorch's {@code conv2d}). */
    @Override
    protected void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        ensureOpen();
        double[] sum = new double[y.size()];
        convLoops(Into.Y, values(x), values(w), sum, x, w, y, p);
        setEach(y, i -> sum[i]);
    }

    /** {@code dx[s, ci, ih, iw] = sum over the taps that read it of dy[s, co, oh, ow] w[co, ci, kh, kw]}. */
    @Override
    protected void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        ensureOpen();
        double[] sum = new double[dx.size()];
        convLoops(Into.X, sum, values(w), values(dy), dx, w, dy, p);
        setEach(dx, i -> sum[i]);
    }

    /** {@code dw[co, ci, kh, kw] += sum over the taps that use it of x[s, ci, ih, iw] dy[s, co, oh, ow]}. */
    @Override
    protected void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        ensureOpen();
        double[] sum = values(dw);
        convLoops(Into.W, values(x), sum, values(dy), x, dw, dy, p);
        setEach(dw, i -> sum[i]);
    }

    // ---------------------------------------------------------------- losses

    @Override
    protected void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        Acc xa = Acc.of(logits);
        Acc ta = Acc.of(targets);
        Acc da = Acc.of(dlogits);
        int n = logits.size();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double x = xa.get(i);
            double t = ta.get(i);
            sum += Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
            da.set(i, scale * (Activation.SIGMOID.apply(x) - t) / n);
        }
        Acc.of(loss).set(0, scale * sum / n);
    }

    @Override
    protected void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        ensureOpen();
        Acc xa = Acc.of(pred);
        Acc ta = Acc.of(targets);
        Acc da = Acc.of(dpred);
        int n = pred.size();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double d = xa.get(i) - ta.get(i);
            sum += d * d;
            da.set(i, scale * 2 * d / n);
        }
        Acc.of(loss).set(0, scale * sum / n);
    }

    @Override
    protected void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        ensureOpen();
        StabiliserOps.hingeLoss(logits, targets, scale, loss, dlogits);
    }

    // ---------------------------------------------------------------- spectral normalisation

    @Override
    protected void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        ensureOpen();
        StabiliserOps.spectralNormForward(w, u, v, update, sigma, wsn);
    }

    @Override
    protected void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        ensureOpen();
        StabiliserOps.spectralNormBackward(dwsn, wsn, u, v, sigma, dw);
    }

    // ---------------------------------------------------------------- optimizers

    @Override
    protected void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        ensureOpen();
        Acc count = Acc.of(step);
        count.add(0, 1);
        double t = count.get(0);
        Acc ga = Acc.of(grad);
        Acc pa = Acc.of(param);
        Acc ma = Acc.of(m);
        Acc va = Acc.of(v);
        for (int i = 0; i < grad.size(); i++) {
            double p = pa.get(i);
            double g = ga.get(i) + weightDecay * p;
            ma.set(i, beta1 * ma.get(i) + (1 - (double) beta1) * g);
            va.set(i, beta2 * va.get(i) + (1 - (double) beta2) * g * g);
            double mHat = ma.get(i) / (1 - Math.pow(beta1, t));
            double vHat = va.get(i) / (1 - Math.pow(beta2, t));
            pa.set(i, p - lr * mHat / (Math.sqrt(vHat) + eps));
        }
    }

    @Override
    protected void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        ensureOpen();
        Acc ga = Acc.of(grad);
        Acc pa = Acc.of(param);
        for (int i = 0; i < grad.size(); i++) {
            double p = pa.get(i);
            double g = ga.get(i) + weightDecay * p;
            if (momentum != 0f) {
                Acc ba = Acc.of(momentumBuffer);
                g = momentum * ba.get(i) + g;
                ba.set(i, g);
            }
            pa.set(i, p - lr * g);
        }
    }

    // ---------------------------------------------------------------- random

    /**
     * The four Philox words of the block element {@code i} draws from, for an op drawing {@code perBlock} elements
     * per block from {@code rng}'s current counter.
     */
    private static int[] words(CpuRandomState rng, int i, int perBlock) {
        int[] words = new int[4];
        Philox.block(rng.seed(), rng.counter() + i / perBlock, words);
        return words;
    }

    private static CpuRandomState state(RandomState rng) {
        if (!(rng instanceof CpuRandomState s)) {
            throw new IllegalArgumentException("random state " + rng.getClass().getName()
                    + " was not made by a CPU backend; use this backend's newRandom(seed)");
        }
        return s;
    }

    /** Moves {@code rng} past the blocks an op over {@code n} elements with {@code perBlock} per block used. */
    private static void advance(CpuRandomState rng, int n, int perBlock) {
        rng.setCounter(rng.counter() + Philox.blocks(n, perBlock));
    }

    /** Box-Muller: element {@code j} of a block uses the pair of words {@code j & ~1}, cosine for even j, sine odd. */
    @Override
    protected void doRandomNormal(RandomState rng, float mean, float std, Tensor dst) {
        ensureOpen();
        CpuRandomState r = state(rng);
        Acc d = Acc.of(dst);
        for (int i = 0; i < dst.size(); i++) {
            int[] w = words(r, i, 4);
            int j = i % 4;
            double radius = Math.sqrt(-2 * Math.log(Philox.uniformOpenZero(w[j & ~1])));
            double theta = 2 * Math.PI * Philox.uniform(w[(j & ~1) + 1]);
            d.set(i, mean + std * (j % 2 == 0 ? radius * Math.cos(theta) : radius * Math.sin(theta)));
        }
        advance(r, dst.size(), 4);
    }

    @Override
    protected void doRandomUniform(RandomState rng, float low, float high, Tensor dst) {
        ensureOpen();
        CpuRandomState r = state(rng);
        Acc d = Acc.of(dst);
        for (int i = 0; i < dst.size(); i++) {
            d.set(i, low + ((double) high - low) * Philox.uniform(words(r, i, 4)[i % 4]));
        }
        advance(r, dst.size(), 4);
    }

    @Override
    protected void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        ensureOpen();
        CpuRandomState r = state(rng);
        int per = Philox.UNIFORMS_PER_ELEMENT_2;
        Acc d = Acc.of(dst);
        for (int i = 0; i < dst.size(); i++) {
            int[] w = words(r, i, per);
            int j = 2 * (i % per);
            double flip = Philox.uniform(w[j]);
            double jitter = Philox.uniform(w[j + 1]);
            d.set(i, (flip < flipProbability ? flippedValue : value) + noise * (2 * jitter - 1));
        }
        advance(r, dst.size(), per);
    }

    @Override
    protected void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        ensureOpen();
        CpuRandomState r = state(rng);
        Acc xa = Acc.of(x);
        Acc ma = Acc.of(mask);
        Acc ya = Acc.of(y);
        for (int i = 0; i < x.size(); i++) {
            double keep = Philox.uniform(words(r, i, 4)[i % 4]) >= p ? 1 / (1 - (double) p) : 0;
            ma.set(i, keep);
            ya.set(i, xa.get(i) * keep);
        }
        advance(r, x.size(), 4);
    }
}
