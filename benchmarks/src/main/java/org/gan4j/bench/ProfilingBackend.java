package org.gan4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Storage;
import org.gan4j.tensor.Tensor;

/**
 * A backend that runs every op on an inner backend and times it (wall clock, synchronised after each op), keyed by
 * op name and the shape of its first tensor argument: where the time of an iteration goes, op by op. Tensors it
 * makes share storage with the inner backend's; each op re-labels its arguments as the inner backend's tensors (a
 * small object per argument, no copy). It also records the calling thread's CPU time per op, which is the op's
 * whole work when the backend computes on one thread and is robust to other processes competing for the cores.
 * For profiling only: the synchronisation after each op removes any overlap.
 */
final class ProfilingBackend extends Backend {
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private final Backend inner;
    private final Map<String, long[]> times = new LinkedHashMap<>();

    ProfilingBackend(Backend inner) {
        super(inner.dtype());
        this.inner = inner;
    }

    /**
     * Per key: {calls, wall-clock nanoseconds, CPU nanoseconds of the calling thread, CPU nanoseconds of the CPU
     * backend's pool threads}; live view.
     */
    Map<String, long[]> times() {
        return times;
    }

    void reset() {
        workers = null;
        times.clear();
    }

    private Tensor in(Tensor t) {
        return t == null ? null : new Tensor(inner, t.storage(), t.offset(), t.shape(), false);
    }

    private void timed(String op, Tensor first, Runnable body) {
        long w0 = workerCpuTime();
        long c0 = THREADS.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        body.run();
        inner.synchronize();
        long dt = System.nanoTime() - t0;
        long dc = THREADS.getCurrentThreadCpuTime() - c0;
        long dw = workerCpuTime() - w0;
        long[] e = times.computeIfAbsent(op + " " + (first == null ? "" : first.shape()), k -> new long[4]);
        e[0]++;
        e[1] += dt;
        e[2] += dc;
        e[3] += dw;
    }

    /** Ids of the CPU backend's pool threads ({@code gan4j-cpu-*}), looked up again by {@link #reset()}. */
    private long[] workers;

    /** CPU nanoseconds the backend's pool threads have used so far (0 on a backend without a pool). */
    private long workerCpuTime() {
        if (workers == null) {
            workers = Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("gan4j-cpu-"))
                    .mapToLong(Thread::getId).toArray();
        }
        long sum = 0;
        for (long id : workers) {
            sum += Math.max(0, THREADS.getThreadCpuTime(id));
        }
        return sum;
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String deviceDescription() {
        return inner.deviceDescription() + " (profiled per op)";
    }

    @Override
    public void synchronize() {
        inner.synchronize();
    }

    @Override
    public RandomState newRandom(long seed) {
        return inner.newRandom(seed);
    }

    @Override
    public void close() {
        inner.close();
    }

    @Override
    protected Storage allocateStorage(long elements) {
        return inner.allocate(org.gan4j.tensor.Shape.of((int) elements)).storage();
    }

    @Override
    protected void doCopyFromHost(float[] src, Tensor dst) {
        inner.copyFromHost(src, in(dst));
    }

    @Override
    protected void doCopyFromHost(double[] src, Tensor dst) {
        inner.copyFromHost(src, in(dst));
    }

    @Override
    protected void doCopyToHost(Tensor src, float[] dst) {
        inner.copyToHost(in(src), dst);
    }

    @Override
    protected void doCopyToHost(Tensor src, double[] dst) {
        inner.copyToHost(in(src), dst);
    }

    @Override
    protected void doFill(float value, Tensor dst) {
        timed("fill", dst, () -> inner.fill(value, in(dst)));
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        timed("copy", src, () -> inner.copy(in(src), in(dst)));
    }

    @Override
    protected void doScale(float alpha, Tensor x) {
        timed("scale", x, () -> inner.scale(alpha, in(x)));
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        timed("axpy", x, () -> inner.axpy(alpha, in(x), in(y)));
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        timed("multiply", a, () -> inner.multiply(in(a), in(b), in(out)));
    }

    @Override
    protected void doMean(Tensor x, Activation act, Tensor out) {
        timed("mean", x, () -> inner.mean(in(x), act, in(out)));
    }

    @Override
    protected void doSumOfSquares(Tensor x, Tensor out) {
        timed("sumOfSquares", x, () -> inner.sumOfSquares(in(x), in(out)));
    }

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        timed("gemm" + (transA ? "T" : "N") + (transB ? "T" : "N") + " " + m + "x" + n + "x" + k, null,
                () -> inner.gemm(transA, transB, alpha, in(a), in(b), beta, in(c)));
    }

    @Override
    protected void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        timed("biasActivationForward " + act.kind(), x, () -> inner.biasActivationForward(in(x), in(bias), act,
                in(y)));
    }

    @Override
    protected void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        timed("biasActivationBackward " + act.kind(), y, () -> inner.biasActivationBackward(in(y), in(dy), act,
                in(dx), in(dbias)));
    }

    @Override
    protected void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        timed("batchNormTrainForward " + act.kind(), x, () -> inner.batchNormTrainForward(in(x), in(gamma), in(beta),
                eps, momentum, act, in(runningMean), in(runningVar), in(y), in(saveMean), in(saveInvStd)));
    }

    @Override
    protected void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        timed("batchNormTrainBackward " + act.kind(), x, () -> inner.batchNormTrainBackward(in(x), in(y), in(dy),
                in(gamma), in(saveMean), in(saveInvStd), act, in(dx), in(dgamma), in(dbeta)));
    }

    @Override
    protected void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        timed("batchNormEvalForward", x, () -> inner.batchNormEvalForward(in(x), in(gamma), in(beta),
                in(runningMean), in(runningVar), eps, act, in(y)));
    }

    @Override
    protected void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        timed("batchNormEvalBackward", x, () -> inner.batchNormEvalBackward(in(x), in(y), in(dy), in(gamma),
                in(runningMean), in(runningVar), eps, act, in(dx), in(dgamma), in(dbeta)));
    }

    @Override
    protected void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        timed("convForward w" + w.shape(), x, () -> inner.convForward(in(x), in(w), p, in(y)));
    }

    @Override
    protected void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        timed("convBackwardData w" + w.shape(), dy, () -> inner.convBackwardData(in(dy), in(w), p, in(dx)));
    }

    @Override
    protected void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        timed("convBackwardFilter w" + dw.shape(), x, () -> inner.convBackwardFilter(in(x), in(dy), p, in(dw)));
    }

    @Override
    protected void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        timed("bceWithLogitsLoss", logits, () -> inner.bceWithLogitsLoss(in(logits), in(targets), scale, in(loss),
                in(dlogits)));
    }

    @Override
    protected void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        timed("hingeLoss", logits, () -> inner.hingeLoss(in(logits), in(targets), scale, in(loss), in(dlogits)));
    }

    @Override
    protected void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        timed("spectralNormForward", w, () -> inner.spectralNormForward(in(w), in(u), in(v), update, in(sigma),
                in(wsn)));
    }

    @Override
    protected void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        timed("spectralNormBackward", wsn, () -> inner.spectralNormBackward(in(dwsn), in(wsn), in(u), in(v),
                in(sigma), in(dw)));
    }

    @Override
    protected void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        timed("squaredErrorLoss", pred, () -> inner.squaredErrorLoss(in(pred), in(targets), scale, in(loss),
                in(dpred)));
    }

    @Override
    protected void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        timed("adamStep", grad, () -> inner.adamStep(in(grad), lr, beta1, beta2, eps, weightDecay, in(param), in(m),
                in(v), in(step)));
    }

    @Override
    protected void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        timed("sgdStep", grad, () -> inner.sgdStep(in(grad), lr, momentum, weightDecay, in(param),
                in(momentumBuffer)));
    }

    @Override
    protected void doRandomNormal(RandomState rng, float mean, float std, Tensor dst) {
        timed("randomNormal", dst, () -> inner.randomNormal(rng, mean, std, in(dst)));
    }

    @Override
    protected void doRandomUniform(RandomState rng, float low, float high, Tensor dst) {
        timed("randomUniform", dst, () -> inner.randomUniform(rng, low, high, in(dst)));
    }

    @Override
    protected void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        timed("fillTargets", dst, () -> inner.fillTargets(rng, value, flippedValue, flipProbability, noise,
                in(dst)));
    }

    @Override
    protected void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        timed("dropoutForward", x, () -> inner.dropoutForward(rng, p, in(x), in(mask), in(y)));
    }
}
