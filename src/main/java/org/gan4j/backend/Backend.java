package org.gan4j.backend;

import org.gan4j.tensor.DType;
import org.gan4j.tensor.Device;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * The compute engine under the layers: memory, and coarse ops over tensors, in one dtype.
 *
 * <p><b>Conventions.</b> Inputs first, outputs last (cuDNN's order). Each op says which outputs it overwrites
 * ({@code =}) and which it accumulates into ({@code +=}): parameter gradients accumulate, activation gradients and
 * activations are overwritten. Outputs must not overlap inputs unless the op says so. Ops may run asynchronously
 * (CUDA); {@link #copyToHost} and {@link #synchronize()} wait for them.
 *
 * <p><b>Validation.</b> Every public op checks shapes, dtypes and owning backend here, before any implementation (or
 * native code) runs, and throws {@link IllegalArgumentException} naming the expected and actual shapes. Backends
 * implement the protected {@code do*} methods, which may assume valid arguments.
 *
 * <p><b>Threads.</b> A backend and the tensors it made are used by one thread at a time. Independent backends (one per
 * trainer) share nothing and may run concurrently.
 */
public abstract class Backend implements Device, AutoCloseable {
    private final DType dtype;

    protected Backend(DType dtype) {
        this.dtype = dtype;
    }

    /** Short name, e.g. {@code cpu} or {@code cuda}. */
    @Override
    public abstract String name();

    /** What it runs on, for logs: e.g. {@code "CPU, 2 threads, OpenBLAS 0.3.31"} or the GPU's name. */
    public abstract String deviceDescription();

    /** The element type of every tensor this backend makes. */
    public final DType dtype() {
        return dtype;
    }

    /**
     * What this backend offers beyond the common ops. The default: {@link Precision#FP32} only, NCHW, no step
     * capture; backends that offer more override it.
     */
    public Capabilities capabilities() {
        return new Capabilities(java.util.Set.of(Precision.FP32), java.util.Set.of(Capabilities.Layout.NCHW), false);
    }

    /**
     * The arithmetic this backend computes in (one of {@link Capabilities#precisions()}): what it was opened with,
     * except that a backend without TF32 arithmetic (the CPU) reports {@link Precision#FP32} for a TF32 request.
     * The default: FP32.
     */
    public Precision precision() {
        return Precision.FP32;
    }

    /**
     * Runs {@code step} once while recording its ops, and returns the recording to replay (see {@link CapturedStep}).
     * Only where {@link #capabilities()} says {@code stepCapture}.
     *
     * @throws UnsupportedOperationException on a backend that cannot capture (the default)
     */
    public CapturedStep captureStep(Runnable step) {
        throw new UnsupportedOperationException("the " + name() + " backend cannot capture a step as a graph; ask "
                + "capabilities().stepCapture() first and run the step eagerly");
    }

    // ---------------------------------------------------------------- memory

    /** A new zero-filled tensor owned by the caller (close it). */
    public final Tensor allocate(Shape shape) {
        return new Tensor(this, allocateStorage(shape.size()), 0, shape, true);
    }

    /** @see #allocate(Shape) */
    public final Tensor allocate(int... dims) {
        return allocate(Shape.of(dims));
    }

    /**
     * Host buffers for input batches of {@code floats} values, {@code buffers} of them, uploaded into this backend's
     * tensors without stalling it (see {@link HostStaging}). This default uses arrays and {@link #copyFromHost};
     * the CUDA backend overrides it with pinned memory and an asynchronous copy. Close it before the backend.
     */
    public HostStaging newHostStaging(int buffers, int floats) {
        return new HostStaging.OnHeap(this, buffers, floats);
    }

    /**
     * Slots for copies of small results to the host that do not stall this backend (see {@link HostReadback}). This
     * default copies at once with {@link #copyToHost}; the CUDA backend overrides it with pinned memory and events.
     * Close it before the backend.
     */
    public HostReadback newHostReadback(int slots, int floats) {
        return new HostReadback.OnHeap(this, slots, floats);
    }

    /** {@code dst = src}, converting to the backend's dtype. */
    @Override
    public final void copyFromHost(float[] src, Tensor dst) {
        checkOwn(dst, "dst");
        checkLength(src.length, dst);
        doCopyFromHost(src, dst);
    }

    /** {@code dst = src}, converting to the backend's dtype. */
    @Override
    public final void copyFromHost(double[] src, Tensor dst) {
        checkOwn(dst, "dst");
        checkLength(src.length, dst);
        doCopyFromHost(src, dst);
    }

    /** {@code dst = src}; waits for pending ops. */
    @Override
    public final void copyToHost(Tensor src, float[] dst) {
        checkOwn(src, "src");
        checkLength(dst.length, src);
        doCopyToHost(src, dst);
    }

    /** {@code dst = src}; waits for pending ops. */
    @Override
    public final void copyToHost(Tensor src, double[] dst) {
        checkOwn(src, "src");
        checkLength(dst.length, src);
        doCopyToHost(src, dst);
    }

    /** Element 0 of {@code t}, read on the host (synchronises). */
    public final float readScalar(Tensor t) {
        checkOwn(t, "t");
        float[] one = new float[1];
        doCopyToHost(t.view(0, Shape.of(1)), one);
        return one[0];
    }

    /** Waits until every op issued so far has finished. */
    public abstract void synchronize();

    /** A new random stream with key {@code seed}, counter 0. */
    public abstract RandomState newRandom(long seed);

    /** Frees what the backend owns (handles, workspaces, threads). Tensors are freed by their owners. */
    @Override
    public abstract void close();

    // ---------------------------------------------------------------- elementwise and reductions

    /** {@code dst = value}. */
    @Op
    public final void fill(float value, Tensor dst) {
        checkOwn(dst, "dst");
        doFill(value, dst);
    }

    /** {@code dst = src}; same element count. */
    @Op
    public final void copy(Tensor src, Tensor dst) {
        checkOwn(src, "src");
        checkOwn(dst, "dst");
        checkSameSize(src, dst, "src", "dst");
        doCopy(src, dst);
    }

    /** {@code x *= alpha}, in place. */
    @Op
    public final void scale(float alpha, Tensor x) {
        checkOwn(x, "x");
        doScale(alpha, x);
    }

    /** {@code y += alpha * x}; same element count. */
    @Op
    public final void axpy(float alpha, Tensor x, Tensor y) {
        checkOwn(x, "x");
        checkOwn(y, "y");
        checkSameSize(x, y, "x", "y");
        doAxpy(alpha, x, y);
    }

    /** {@code out = a * b} elementwise; same element count; {@code out} may be {@code a} or {@code b}. */
    @Op
    public final void multiply(Tensor a, Tensor b, Tensor out) {
        checkOwn(a, "a");
        checkOwn(b, "b");
        checkOwn(out, "out");
        checkSameSize(a, b, "a", "b");
        checkSameSize(a, out, "a", "out");
        doMultiply(a, b, out);
    }

    /** {@code out[0] = mean_i act(x_i)} (e.g. SIGMOID of logits gives mean D(x)); {@code out}: at least 1 element. */
    @Op
    public final void mean(Tensor x, Activation act, Tensor out) {
        checkOwn(x, "x");
        checkOwn(out, "out");
        checkNotNull(act, "act");
        doMean(x, act, out);
    }

    /** {@code out[0] = sum_i x_i^2} (for gradient norms and finite checks); {@code out}: at least 1 element. */
    @Op
    public final void sumOfSquares(Tensor x, Tensor out) {
        checkOwn(x, "x");
        checkOwn(out, "out");
        doSumOfSquares(x, out);
    }

    // ---------------------------------------------------------------- matrix product

    /**
     * {@code c = alpha * op(a) * op(b) + beta * c}, row-major, {@code op} transposing when asked. Shapes: {@code a}
     * (M, K) or (K, M) when transposed, {@code b} (K, N) or (N, K), {@code c} (M, N); tensors of higher rank are read
     * as 2-D (dim 0, rest). With {@code beta = 0} {@code c} is overwritten (its old values, even NaN, are ignored);
     * with {@code beta = 1} it accumulates.
     */
    @Op
    public final void gemm(boolean transA, boolean transB, float alpha, Tensor a, Tensor b, float beta, Tensor c) {
        checkOwn(a, "a");
        checkOwn(b, "b");
        checkOwn(c, "c");
        int ar = a.dim(0), ac = a.shape().sampleSize();
        int br = b.dim(0), bc = b.shape().sampleSize();
        int m = transA ? ac : ar, k = transA ? ar : ac;
        int kb = transB ? bc : br, n = transB ? br : bc;
        if (k != kb || c.dim(0) != m || c.shape().sampleSize() != n) {
            throw new IllegalArgumentException("gemm: op(a) is " + m + "x" + k + " (a " + a.shape()
                    + (transA ? " transposed" : "") + "), op(b) is " + kb + "x" + n + " (b " + b.shape()
                    + (transB ? " transposed" : "") + "), so c must be " + m + "x" + n + " with K equal; got c "
                    + c.shape());
        }
        doGemm(transA, transB, m, n, k, alpha, a, b, beta, c);
    }

    // ---------------------------------------------------------------- bias + activation

    /**
     * {@code y = act(x + bias[c])} where {@code c} is dimension 1 of {@code x: (N, C, ...)} (or (N, C));
     * {@code bias: (C)} or null for none. {@code y} (same shape) is overwritten and may be {@code x}.
     */
    @Op
    public final void biasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        checkOwn(x, "x");
        checkOwn(y, "y");
        checkNotNull(act, "act");
        checkSameShape(x, y, "x", "y");
        checkChannelVector(bias, x, "bias");
        doBiasActivationForward(x, bias, act, y);
    }

    /**
     * Backward of {@link #biasActivationForward}: {@code dx = dy * act'(y)} (overwritten; may be {@code dy});
     * {@code dbias[c] += sum over n and spatial of dx} when {@code dbias} is not null.
     */
    @Op
    public final void biasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        checkOwn(y, "y");
        checkOwn(dy, "dy");
        checkOwn(dx, "dx");
        checkNotNull(act, "act");
        checkSameShape(y, dy, "y", "dy");
        checkSameShape(y, dx, "y", "dx");
        checkChannelVector(dbias, y, "dbias");
        doBiasActivationBackward(y, dy, act, dx, dbias);
    }

    // ---------------------------------------------------------------- batch norm

    /**
     * Training-mode batch norm fused with an activation, over {@code x: (N, C)} or {@code (N, C, H, W)}, statistics
     * per channel over N (and H, W): {@code y = act(gamma * (x - mean) * invStd + beta)} with the biased batch
     * variance and {@code invStd = 1 / sqrt(var + eps)}. Overwrites {@code y}, {@code saveMean} and
     * {@code saveInvStd} (C); updates {@code running = (1 - momentum) * running + momentum * batch}, using the
     * unbiased variance for {@code runningVar} (PyTorch's semantics). Needs at least 2 values per channel.
     */
    @Op
    public final void batchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        checkBatchNorm(x, y, gamma, beta, act, eps);
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException("batch norm momentum must be in [0, 1], got " + momentum);
        }
        if (x.shape().size() / x.dim(1) < 2) {
            throw new IllegalArgumentException("batch norm in training mode needs more than one value per channel, "
                    + "got input " + x.shape() + "; use a batch larger than 1 or eval mode");
        }
        checkChannelVector(runningMean, x, "runningMean");
        checkChannelVector(runningVar, x, "runningVar");
        checkChannelVector(saveMean, x, "saveMean");
        checkChannelVector(saveInvStd, x, "saveInvStd");
        checkNotNull(saveMean, "saveMean");
        checkNotNull(saveInvStd, "saveInvStd");
        doBatchNormTrainForward(x, gamma, beta, eps, momentum, act, runningMean, runningVar, y, saveMean, saveInvStd);
    }

    /**
     * Backward of {@link #batchNormTrainForward}: with {@code dz = dy * act'(y)}, overwrites {@code dx} and
     * accumulates {@code dgamma += sum dz * xhat}, {@code dbeta += sum dz}; {@code dgamma}/{@code dbeta} may be null
     * when gamma/beta are not trained.
     */
    @Op
    public final void batchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        checkBatchNormBackward(x, y, dy, gamma, act, 1f, saveMean, "saveMean", saveInvStd, "saveInvStd", dx, dgamma,
                dbeta);
        doBatchNormTrainBackward(x, y, dy, gamma, saveMean, saveInvStd, act, dx, dgamma, dbeta);
    }

    /** Eval-mode batch norm: {@code y = act(gamma * (x - runningMean) / sqrt(runningVar + eps) + beta)}; {@code y =}. */
    @Op
    public final void batchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        checkBatchNorm(x, y, gamma, beta, act, eps);
        checkNotNull(runningMean, "runningMean");
        checkNotNull(runningVar, "runningVar");
        checkChannelVector(runningMean, x, "runningMean");
        checkChannelVector(runningVar, x, "runningVar");
        doBatchNormEvalForward(x, gamma, beta, runningMean, runningVar, eps, act, y);
    }

    /**
     * Backward of {@link #batchNormEvalForward} (statistics are constants): with {@code dz = dy * act'(y)},
     * {@code dx = dz * gamma / sqrt(runningVar + eps)} (overwritten), {@code dgamma += sum dz * xhat},
     * {@code dbeta += sum dz} (either may be null).
     */
    @Op
    public final void batchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        checkBatchNormBackward(x, y, dy, gamma, act, eps, runningMean, "runningMean", runningVar, "runningVar", dx,
                dgamma, dbeta);
        doBatchNormEvalBackward(x, y, dy, gamma, runningMean, runningVar, eps, act, dx, dgamma, dbeta);
    }

    // ---------------------------------------------------------------- convolution

    /**
     * 2-D cross-correlation as PyTorch's {@code conv2d} (no bias): {@code x: (N, Cin, H, W)},
     * {@code w: (Cout, Cin, kH, kW)}, {@code y: (N, Cout, Ho, Wo)} overwritten (see {@link ConvParams}).
     */
    @Op
    public final void convForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        checkConv(x, "x", w, "w", p, y, "y", "convForward: y");
        doConvForward(x, w, p, y);
    }

    /**
     * Gradient of {@link #convForward} with respect to its input: {@code dx = conv_transpose(dy, w)}, overwritten.
     * The caller gives {@code dx}'s shape {@code (N, Cin, H, W)}, which must map to {@code dy}'s shape under
     * {@code p}; this is also ConvTranspose2d's forward (any output padding is in the chosen H, W).
     */
    @Op
    public final void convBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        checkConv(dx, "dx", w, "w", p, dy, "dy", "convBackwardData: dy (from dx " + dx.shape() + " and w " + w.shape()
                + ")");
        doConvBackwardData(dy, w, p, dx);
    }

    /** Gradient of {@link #convForward} with respect to the weight: {@code dw += corr(x, dy)}, {@code dw: (Cout, Cin, kH, kW)}. */
    @Op
    public final void convBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        checkConv(x, "x", dw, "dw", p, dy, "dy", "convBackwardFilter: dy (from x " + x.shape() + " and dw "
                + dw.shape() + ")");
        doConvBackwardFilter(x, dy, p, dw);
    }

    // ---------------------------------------------------------------- losses

    /**
     * Binary cross-entropy from logits, in the stable form {@code max(x, 0) - x t + log(1 + exp(-|x|))}:
     * {@code loss[0] = scale * mean_i bce(x_i, t_i)} and {@code dlogits_i = scale * (sigmoid(x_i) - t_i) / n}, both
     * overwritten. {@code logits}, {@code targets}, {@code dlogits}: the same element count n; {@code loss}: at least
     * one element. {@code scale} lets one op serve the minimax loss's halves and signs.
     */
    @Op
    public final void bceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        checkLoss(logits, targets, loss, dlogits, scale);
        doBceWithLogitsLoss(logits, targets, scale, loss, dlogits);
    }

    /**
     * Squared error (least-squares GAN): {@code loss[0] = scale * mean_i (x_i - t_i)^2},
     * {@code dpred_i = scale * 2 (x_i - t_i) / n}, both overwritten.
     */
    @Op
    public final void squaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        checkLoss(pred, targets, loss, dpred, scale);
        doSquaredErrorLoss(pred, targets, scale, loss, dpred);
    }

    /**
     * Hinge loss (Lim and Ye 2017, Miyato et al. 2018) with signed targets {@code t} (+1 real, -1 fake):
     * {@code loss[0] = scale * mean_i max(0, 1 - t_i x_i)} and {@code dlogits_i = -scale * t_i / n} where
     * {@code t_i x_i < 1}, else 0 (the kink at {@code t x = 1} takes the zero side), both overwritten. Linear in the
     * logit on each side of the kink, so no overflow can arise from large logits.
     */
    @Op
    public final void hingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        checkLoss(logits, targets, loss, dlogits, scale);
        doHingeLoss(logits, targets, scale, loss, dlogits);
    }

    // ---------------------------------------------------------------- spectral normalisation

    /**
     * Spectral normalisation of a weight (Miyato et al. 2018) with one step of power iteration, as PyTorch's
     * {@code spectral_norm}. {@code w}: (out, ...), read as the matrix {@code W} (out, k) with {@code k = size / out};
     * {@code u}: out elements; {@code v}: k elements; {@code sigma}: at least 1 element; {@code wsn}: w's shape.
     * With {@code nrm(a) = a / max(||a||, 1e-12)}:
     * <pre>
     * if update: v = nrm(W^T u)                   (u and v are the layer's persistent estimates)
     * s = W v;  sigma[0] = ||s||;  u = nrm(s);  wsn = w / max(sigma[0], 1e-12)
     * </pre>
     * {@code u} and {@code v} are treated as constants by {@link #spectralNormBackward}, as in PyTorch.
     */
    @Op
    public final void spectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        checkSpectral(w, u, v, sigma, wsn, "wsn");
        doSpectralNormForward(w, u, v, update, sigma, wsn);
    }

    /**
     * The gradient through {@link #spectralNormForward} with {@code u}, {@code v} constant ({@code sigma = ||W v||},
     * {@code d sigma / dW = u v^T}): {@code dw += (dwsn - <dwsn, wsn> u v^T) / max(sigma[0], 1e-12)}, shapes as there
     * ({@code dwsn} and {@code dw} like {@code w}).
     */
    @Op
    public final void spectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        checkSpectral(wsn, u, v, sigma, dwsn, "dwsn");
        checkOwn(dw, "dw");
        checkSameShape(wsn, dw, "wsn", "dw");
        doSpectralNormBackward(dwsn, wsn, u, v, sigma, dw);
    }

    private void checkSpectral(Tensor w, Tensor u, Tensor v, Tensor sigma, Tensor other, String otherName) {
        checkOwn(w, "w");
        checkOwn(u, "u");
        checkOwn(v, "v");
        checkOwn(sigma, "sigma");
        checkOwn(other, otherName);
        if (w.shape().rank() < 2) {
            throw new IllegalArgumentException("spectral norm needs a weight of rank >= 2 (out, ...), got "
                    + w.shape());
        }
        int out = w.shape().dim(0);
        int k = w.size() / out;
        if (u.size() != out || v.size() != k) {
            throw new IllegalArgumentException("spectral norm of " + w.shape() + " needs u of " + out + " and v of "
                    + k + " elements, got " + u.shape() + " and " + v.shape());
        }
        checkSameShape(w, other, "w", otherName);
    }

    // ---------------------------------------------------------------- optimizers

    /**
     * One Adam step with PyTorch's semantics (L2 weight decay added to the gradient, bias correction), over
     * same-sized flat tensors: {@code step += 1}; {@code g = grad + weightDecay * param};
     * {@code m = b1 m + (1 - b1) g}; {@code v = b2 v + (1 - b2) g^2};
     * {@code param -= lr * (m / (1 - b1^step)) / (sqrt(v / (1 - b2^step)) + eps)}. {@code step} is a 1-element
     * tensor so the count stays with the device.
     */
    @Op
    public final void adamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        checkHyper("lr", lr, 0, Float.MAX_VALUE);
        checkAdam(grad, beta1, beta2, eps, weightDecay, param, m, v, step);
        doAdamStep(grad, lr, beta1, beta2, eps, weightDecay, param, m, v, step);
    }

    /**
     * {@link #adamStep(Tensor, float, float, float, float, float, Tensor, Tensor, Tensor, Tensor)} with the learning
     * rate read from the 1-element tensor {@code lr} when the step runs, as PyTorch's {@code capturable} Adam does: a
     * captured step ({@link #captureStep}) then replays with the rate written into {@code lr} since, so a schedule
     * needs no new capture. {@code lr} must hold a finite value {@code >= 0} (checked where it is read on the host).
     */
    @Op
    public final void adamStep(Tensor grad, Tensor lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        checkOwn(lr, "lr");
        if (lr.size() != 1) {
            throw new IllegalArgumentException("lr must be a 1-element tensor, got " + lr.shape());
        }
        checkAdam(grad, beta1, beta2, eps, weightDecay, param, m, v, step);
        doAdamStep(grad, lr, beta1, beta2, eps, weightDecay, param, m, v, step);
    }

    private void checkAdam(Tensor grad, float beta1, float beta2, float eps, float weightDecay, Tensor param,
            Tensor m, Tensor v, Tensor step) {
        checkOwn(grad, "grad");
        checkOwn(param, "param");
        checkOwn(m, "m");
        checkOwn(v, "v");
        checkOwn(step, "step");
        checkSameSize(grad, param, "grad", "param");
        checkSameSize(grad, m, "grad", "m");
        checkSameSize(grad, v, "grad", "v");
        checkHyper("beta1", beta1, 0, 1 - Math.ulp(1f));
        checkHyper("beta2", beta2, 0, 1 - Math.ulp(1f));
        checkHyper("eps", eps, 0, Float.MAX_VALUE);
        checkHyper("weightDecay", weightDecay, 0, Float.MAX_VALUE);
    }

    /**
     * One SGD step with PyTorch's semantics: {@code g = grad + weightDecay * param}; with momentum
     * {@code buf = momentum * buf + g} and {@code param -= lr * buf}, else {@code param -= lr * g}.
     * {@code momentumBuffer} may be null only when {@code momentum == 0}.
     */
    @Op
    public final void sgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        checkOwn(grad, "grad");
        checkOwn(param, "param");
        checkSameSize(grad, param, "grad", "param");
        checkHyper("lr", lr, 0, Float.MAX_VALUE);
        checkHyper("momentum", momentum, 0, 1);
        checkHyper("weightDecay", weightDecay, 0, Float.MAX_VALUE);
        if (momentum != 0f) {
            checkNotNull(momentumBuffer, "momentumBuffer (momentum is " + momentum + ")");
            checkOwn(momentumBuffer, "momentumBuffer");
            checkSameSize(grad, momentumBuffer, "grad", "momentumBuffer");
        }
        doSgdStep(grad, lr, momentum, weightDecay, param, momentumBuffer);
    }

    // ---------------------------------------------------------------- random

    /** {@code dst = N(mean, std^2)} draws from {@code rng} (see {@link Philox}); advances the stream. */
    @Op
    public final void randomNormal(RandomState rng, float mean, float std, Tensor dst) {
        checkNotNull(rng, "rng");
        checkOwn(dst, "dst");
        checkHyper("std", std, 0, Float.MAX_VALUE);
        doRandomNormal(rng, mean, std, dst);
    }

    /** {@code dst = U[low, high)} draws from {@code rng} (see {@link Philox}); advances the stream. */
    @Op
    public final void randomUniform(RandomState rng, float low, float high, Tensor dst) {
        checkNotNull(rng, "rng");
        checkOwn(dst, "dst");
        if (!(low <= high)) {
            throw new IllegalArgumentException("randomUniform needs low <= high, got [" + low + ", " + high + ")");
        }
        doRandomUniform(rng, low, high, dst);
    }

    /**
     * GAN label targets: with two uniforms {@code u1, u2} per element (see {@link Philox}),
     * {@code dst_i = (u1 < flipProbability ? flippedValue : value) + noise * (2 u2 - 1)}. {@code value} 1 is a real
     * label, 0.9 one-sided smoothing; {@code noise} 0 gives exact labels. Advances the stream.
     */
    @Op
    public final void fillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        checkNotNull(rng, "rng");
        checkOwn(dst, "dst");
        checkHyper("flipProbability", flipProbability, 0, 1);
        checkHyper("noise", noise, 0, Float.MAX_VALUE);
        if (!Float.isFinite(value) || !Float.isFinite(flippedValue)) {
            throw new IllegalArgumentException("label values must be finite, got " + value + " and " + flippedValue);
        }
        doFillTargets(rng, value, flippedValue, flipProbability, noise, dst);
    }

    /**
     * Inverted dropout: {@code mask_i = (u_i >= p) / (1 - p)} with one uniform per element (see {@link Philox}),
     * {@code y = x * mask}; {@code mask} and {@code y} overwritten. {@code p} in [0, 1).
     */
    @Op
    public final void dropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        checkNotNull(rng, "rng");
        checkOwn(x, "x");
        checkOwn(mask, "mask");
        checkOwn(y, "y");
        checkSameSize(x, mask, "x", "mask");
        checkSameSize(x, y, "x", "y");
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        doDropoutForward(rng, p, x, mask, y);
    }

    // ---------------------------------------------------------------- what backends implement

    protected abstract org.gan4j.tensor.Storage allocateStorage(long elements);

    protected abstract void doCopyFromHost(float[] src, Tensor dst);

    protected abstract void doCopyFromHost(double[] src, Tensor dst);

    protected abstract void doCopyToHost(Tensor src, float[] dst);

    protected abstract void doCopyToHost(Tensor src, double[] dst);

    protected abstract void doFill(float value, Tensor dst);

    protected abstract void doCopy(Tensor src, Tensor dst);

    protected abstract void doScale(float alpha, Tensor x);

    protected abstract void doAxpy(float alpha, Tensor x, Tensor y);

    protected abstract void doMultiply(Tensor a, Tensor b, Tensor out);

    protected abstract void doMean(Tensor x, Activation act, Tensor out);

    protected abstract void doSumOfSquares(Tensor x, Tensor out);

    /** {@code c (m x n) = alpha op(a) op(b) + beta c}, all row-major and contiguous. */
    protected abstract void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a,
            Tensor b, float beta, Tensor c);

    protected abstract void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y);

    protected abstract void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias);

    protected abstract void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd);

    protected abstract void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta);

    protected abstract void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y);

    protected abstract void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta);

    protected abstract void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y);

    protected abstract void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx);

    protected abstract void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw);

    protected abstract void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss,
            Tensor dlogits);

    protected abstract void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred);

    protected abstract void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits);

    protected abstract void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma,
            Tensor wsn);

    protected abstract void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma,
            Tensor dw);

    protected abstract void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step);

    /**
     * Adam with the rate in {@code lr}: here read to the host (the ops of a CPU backend run at once, so the value is
     * the current one), checked, then the float form. A backend whose ops run later on a device overrides this to
     * read {@code lr} there, so a captured step sees the value of replay time.
     */
    protected void doAdamStep(Tensor grad, Tensor lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        float[] rate = new float[1];
        copyToHost(lr, rate);
        checkHyper("lr", rate[0], 0, Float.MAX_VALUE);
        doAdamStep(grad, rate[0], beta1, beta2, eps, weightDecay, param, m, v, step);
    }

    protected abstract void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer);

    protected abstract void doRandomNormal(RandomState rng, float mean, float std, Tensor dst);

    protected abstract void doRandomUniform(RandomState rng, float low, float high, Tensor dst);

    protected abstract void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst);

    protected abstract void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y);

    // ---------------------------------------------------------------- validation shared by every backend

    private void checkOwn(Tensor t, String name) {
        if (t == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (t.backend() != this) {
            throw new IllegalArgumentException(name + " " + t.shape() + " lives on backend " + t.backend().name()
                    + ", not on this " + name() + " backend");
        }
    }

    private static void checkNotNull(Object o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    private static void checkLength(int hostLength, Tensor t) {
        if (hostLength != t.size()) {
            throw new IllegalArgumentException("host array has " + hostLength + " elements but tensor " + t.shape()
                    + " has " + t.size());
        }
    }

    private static void checkSameSize(Tensor a, Tensor b, String an, String bn) {
        if (a.size() != b.size()) {
            throw new IllegalArgumentException(an + " " + a.shape() + " and " + bn + " " + b.shape()
                    + " must have the same number of elements");
        }
    }

    private static void checkSameShape(Tensor a, Tensor b, String an, String bn) {
        if (!a.shape().equals(b.shape())) {
            throw new IllegalArgumentException(bn + " must have the shape of " + an + ": expected " + a.shape()
                    + ", got " + b.shape());
        }
    }

    private static void checkShape(Tensor t, Shape expected, String what) {
        if (!t.shape().equals(expected)) {
            throw new IllegalArgumentException(what + ": expected shape " + expected + ", got " + t.shape());
        }
    }

    /** {@code v}, when present, must be a vector of C = dim 1 of {@code x}. */
    private void checkChannelVector(Tensor v, Tensor x, String name) {
        if (v == null) {
            return;
        }
        checkOwn(v, name);
        if (x.shape().rank() < 2) {
            throw new IllegalArgumentException("input must be (N, C, ...) for a per-channel " + name + ", got "
                    + x.shape());
        }
        if (v.size() != x.dim(1)) {
            throw new IllegalArgumentException(name + " must have C = " + x.dim(1) + " elements for input "
                    + x.shape() + ", got " + v.shape());
        }
    }

    private void checkBatchNorm(Tensor x, Tensor y, Tensor gamma, Tensor beta, Activation act, float eps) {
        checkOwn(x, "x");
        checkOwn(y, "y");
        checkNotNull(act, "act");
        if (x.shape().rank() != 2 && x.shape().rank() != 4) {
            throw new IllegalArgumentException("batch norm wants (N, C) or (N, C, H, W), got " + x.shape());
        }
        checkSameShape(x, y, "x", "y");
        checkNotNull(gamma, "gamma");
        checkChannelVector(gamma, x, "gamma");
        checkChannelVector(beta, x, "beta");
        checkHyper("eps", eps, Float.MIN_VALUE, Float.MAX_VALUE);
    }

    /**
     * The checks of a batch-norm backward op: {@link #checkBatchNorm} on the forward's tensors; {@code dy} and
     * {@code dx} owned and of x's shape; the two statistics (saved or running) non-null channel vectors;
     * {@code dgamma} and {@code dbeta} channel vectors or null.
     */
    private void checkBatchNormBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Activation act, float eps,
            Tensor statA, String statAName, Tensor statB, String statBName, Tensor dx, Tensor dgamma, Tensor dbeta) {
        checkBatchNorm(x, y, gamma, null, act, eps);
        checkOwn(dy, "dy");
        checkOwn(dx, "dx");
        checkSameShape(x, dy, "x", "dy");
        checkSameShape(x, dx, "x", "dx");
        checkNotNull(statA, statAName);
        checkNotNull(statB, statBName);
        checkChannelVector(statA, x, statAName);
        checkChannelVector(statB, x, statBName);
        checkChannelVector(dgamma, x, "dgamma");
        checkChannelVector(dbeta, x, "dbeta");
    }

    /**
     * The checks of a convolution op: the image {@code in}, the weight and {@code out} owned by this backend,
     * {@code p} not null, and {@code out} of the shape {@code p} gives for {@code in} and the weight ({@code what}
     * names it in the message).
     */
    private void checkConv(Tensor in, String inName, Tensor w, String wName, ConvParams p, Tensor out,
            String outName, String what) {
        checkOwn(in, inName);
        checkOwn(w, wName);
        checkOwn(out, outName);
        checkNotNull(p, "p");
        checkShape(out, p.outputShape(in.shape(), w.shape()), what);
    }

    private void checkLoss(Tensor x, Tensor t, Tensor loss, Tensor dx, float scale) {
        checkOwn(x, "logits");
        checkOwn(t, "targets");
        checkOwn(loss, "loss");
        checkOwn(dx, "dlogits");
        checkSameSize(x, t, "logits", "targets");
        checkSameSize(x, dx, "logits", "dlogits");
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("loss scale must be finite, got " + scale);
        }
    }

    private static void checkHyper(String name, float value, float min, float max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(name + " must be in [" + min + ", " + max + "], got " + value);
        }
    }
}
