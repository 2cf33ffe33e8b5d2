package org.gan4j.backend.cpu;

import java.nio.FloatBuffer;
import java.util.Set;
import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.Capabilities;
import org.gan4j.backend.ConvParams;
import org.gan4j.backend.Precision;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.BFloat16;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Storage;
import org.gan4j.tensor.Tensor;

/**
 * The CPU backend computing as {@link Precision#BF16} does on CUDA: the reference that the CUDA bf16 path is held
 * to, and what {@code --precision bf16} runs on the CPU (slowly: every rounding is an extra pass, with a copy).
 *
 * <p>Tensors are float32 (as on every backend); the ops are a {@link CpuBackend}'s, with bfloat16 rounding (to
 * nearest, ties to even: {@link BFloat16#round}) at exactly these points, the ones where CUDA's bf16 path converts:
 * <ul>
 *   <li>convolution forward: {@code x} and {@code w} rounded, products accumulated in float32, {@code y} rounded
 *       (the stored activation is bf16);</li>
 *   <li>convolution backward data: {@code dy} and {@code w} rounded, {@code dx} rounded;</li>
 *   <li>convolution backward filter: {@code x} and {@code dy} rounded, this call's contribution to {@code dw}
 *       rounded, then added to {@code dw} in float32 (PyTorch autocast: a bf16 weight gradient cast to the float32
 *       master's gradient);</li>
 *   <li>matrix product: {@code a} and {@code b} rounded, {@code c = alpha a b + beta c} in float32 (outputs of
 *       linear layers stay float32: unlike autocast, which stores them bf16; they are rounded when a convolution
 *       reads them).</li>
 *   <li>batch norm, training forward (fused with its activation): statistics in float32 (double here) from the
 *       stored values, {@code y} rounded (the stored activation is bf16: on CUDA it stays bf16 NHWC between a
 *       convolution and the next one);</li>
 *   <li>batch norm, training backward: {@code dgamma}, {@code dbeta} in float32, {@code dx} rounded (the stored
 *       gradient is bf16, read by the convolution before it).</li>
 * </ul>
 * Everything else (bias, activations on their own, batch norm in eval mode, losses, Adam, random numbers) is the
 * CPU backend's float32 arithmetic on the stored values: as in autocast, where these run in float32 internally.
 * Rounding a batch norm's {@code y} and {@code dx} where they are stored changes no result for a convolution or a
 * product that reads them (those round their operands anyway); it does for other readers (a loss, or a
 * tanh/sigmoid derivative taken from {@code y}), which then see the same bf16 values as CUDA's.
 *
 * <p><b>Threads.</b> As {@link CpuBackend}: one thread at a time; {@link #close()} closes the wrapped backend.
 */
public final class Bf16EmulationBackend extends Backend {
    private final CpuBackend cpu;

    private Bf16EmulationBackend(CpuBackend cpu) {
        super(DType.F32);
        this.cpu = cpu;
    }

    /** An emulating backend over a new CPU backend of {@code threads} threads. */
    public static Bf16EmulationBackend create(int threads) {
        return new Bf16EmulationBackend(CpuBackend.create(threads));
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public String deviceDescription() {
        return cpu.deviceDescription() + ", bf16 emulated";
    }

    /** {@link CpuBackend}'s: FP32 (TF32 as FP32) and BF16 (emulated, by this class). */
    @Override
    public Capabilities capabilities() {
        return CpuBackend.CAPABILITIES;
    }

    @Override
    public Precision precision() {
        return Precision.BF16;
    }

    @Override
    public void synchronize() {
        cpu.synchronize();
    }

    @Override
    public RandomState newRandom(long seed) {
        return cpu.newRandom(seed);
    }

    @Override
    public void close() {
        cpu.close();
    }

    // ---------------------------------------------------------------- rounding

    /** Rounds the elements of {@code t} to bfloat16 in place. */
    static void roundInPlace(Tensor t) {
        FloatBuffer f = ((CpuStorage) t.storage()).floats();
        int from = (int) t.offset();
        for (int i = from, end = from + t.size(); i < end; i++) {
            f.put(i, BFloat16.round(f.get(i)));
        }
    }

    /** A new tensor holding {@code t} rounded to bfloat16 (the caller closes it). */
    private Tensor rounded(Tensor t) {
        Tensor r = allocate(t.shape());
        FloatBuffer src = ((CpuStorage) t.storage()).floats();
        FloatBuffer dst = ((CpuStorage) r.storage()).floats();
        int from = (int) t.offset();
        for (int i = 0, n = t.size(); i < n; i++) {
            dst.put(i, BFloat16.round(src.get(from + i)));
        }
        return r;
    }

    // ---------------------------------------------------------------- the rounded ops

    @Override
    protected void doGemm(boolean transA, boolean transB, int m, int n, int k, float alpha, Tensor a, Tensor b,
            float beta, Tensor c) {
        try (Tensor ar = rounded(a); Tensor br = rounded(b)) {
            cpu.doGemm(transA, transB, m, n, k, alpha, ar, br, beta, c);
        }
    }

    @Override
    protected void doConvForward(Tensor x, Tensor w, ConvParams p, Tensor y) {
        try (Tensor xr = rounded(x); Tensor wr = rounded(w)) {
            cpu.doConvForward(xr, wr, p, y);
        }
        roundInPlace(y);
    }

    @Override
    protected void doConvBackwardData(Tensor dy, Tensor w, ConvParams p, Tensor dx) {
        try (Tensor dyr = rounded(dy); Tensor wr = rounded(w)) {
            cpu.doConvBackwardData(dyr, wr, p, dx);
        }
        roundInPlace(dx);
    }

    @Override
    protected void doConvBackwardFilter(Tensor x, Tensor dy, ConvParams p, Tensor dw) {
        try (Tensor xr = rounded(x); Tensor dyr = rounded(dy); Tensor part = allocate(dw.shape())) {
            cpu.doConvBackwardFilter(xr, dyr, p, part); // part = 0 + this call's gradient
            roundInPlace(part);
            cpu.doAxpy(1f, part, dw);
        }
    }

    // ---------------------------------------------------------------- the rest: the CPU backend's float32 ops

    @Override
    protected Storage allocateStorage(long elements) {
        return cpu.allocateStorage(elements);
    }

    @Override
    protected void doCopyFromHost(float[] src, Tensor dst) {
        cpu.doCopyFromHost(src, dst);
    }

    @Override
    protected void doCopyFromHost(double[] src, Tensor dst) {
        cpu.doCopyFromHost(src, dst);
    }

    @Override
    protected void doCopyToHost(Tensor src, float[] dst) {
        cpu.doCopyToHost(src, dst);
    }

    @Override
    protected void doCopyToHost(Tensor src, double[] dst) {
        cpu.doCopyToHost(src, dst);
    }

    @Override
    protected void doFill(float value, Tensor dst) {
        cpu.doFill(value, dst);
    }

    @Override
    protected void doCopy(Tensor src, Tensor dst) {
        cpu.doCopy(src, dst);
    }

    @Override
    protected void doScale(float alpha, Tensor x) {
        cpu.doScale(alpha, x);
    }

    @Override
    protected void doAxpy(float alpha, Tensor x, Tensor y) {
        cpu.doAxpy(alpha, x, y);
    }

    @Override
    protected void doMultiply(Tensor a, Tensor b, Tensor out) {
        cpu.doMultiply(a, b, out);
    }

    @Override
    protected void doMean(Tensor x, Activation act, Tensor out) {
        cpu.doMean(x, act, out);
    }

    @Override
    protected void doSumOfSquares(Tensor x, Tensor out) {
        cpu.doSumOfSquares(x, out);
    }

    @Override
    protected void doBiasActivationForward(Tensor x, Tensor bias, Activation act, Tensor y) {
        cpu.doBiasActivationForward(x, bias, act, y);
    }

    @Override
    protected void doBiasActivationBackward(Tensor y, Tensor dy, Activation act, Tensor dx, Tensor dbias) {
        cpu.doBiasActivationBackward(y, dy, act, dx, dbias);
    }

    @Override
    protected void doBatchNormTrainForward(Tensor x, Tensor gamma, Tensor beta, float eps, float momentum,
            Activation act, Tensor runningMean, Tensor runningVar, Tensor y, Tensor saveMean, Tensor saveInvStd) {
        cpu.doBatchNormTrainForward(x, gamma, beta, eps, momentum, act, runningMean, runningVar, y, saveMean,
                saveInvStd);
        roundInPlace(y);
    }

    @Override
    protected void doBatchNormTrainBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor saveMean,
            Tensor saveInvStd, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        cpu.doBatchNormTrainBackward(x, y, dy, gamma, saveMean, saveInvStd, act, dx, dgamma, dbeta);
        roundInPlace(dx);
    }

    @Override
    protected void doBatchNormEvalForward(Tensor x, Tensor gamma, Tensor beta, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor y) {
        cpu.doBatchNormEvalForward(x, gamma, beta, runningMean, runningVar, eps, act, y);
    }

    @Override
    protected void doBatchNormEvalBackward(Tensor x, Tensor y, Tensor dy, Tensor gamma, Tensor runningMean,
            Tensor runningVar, float eps, Activation act, Tensor dx, Tensor dgamma, Tensor dbeta) {
        cpu.doBatchNormEvalBackward(x, y, dy, gamma, runningMean, runningVar, eps, act, dx, dgamma, dbeta);
    }

    @Override
    protected void doBceWithLogitsLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        cpu.doBceWithLogitsLoss(logits, targets, scale, loss, dlogits);
    }

    @Override
    protected void doSquaredErrorLoss(Tensor pred, Tensor targets, float scale, Tensor loss, Tensor dpred) {
        cpu.doSquaredErrorLoss(pred, targets, scale, loss, dpred);
    }

    @Override
    protected void doHingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        cpu.doHingeLoss(logits, targets, scale, loss, dlogits);
    }

    @Override
    protected void doSpectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        cpu.doSpectralNormForward(w, u, v, update, sigma, wsn);
    }

    @Override
    protected void doSpectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        cpu.doSpectralNormBackward(dwsn, wsn, u, v, sigma, dw);
    }

    @Override
    protected void doAdamStep(Tensor grad, float lr, float beta1, float beta2, float eps, float weightDecay,
            Tensor param, Tensor m, Tensor v, Tensor step) {
        cpu.doAdamStep(grad, lr, beta1, beta2, eps, weightDecay, param, m, v, step);
    }

    @Override
    protected void doSgdStep(Tensor grad, float lr, float momentum, float weightDecay, Tensor param,
            Tensor momentumBuffer) {
        cpu.doSgdStep(grad, lr, momentum, weightDecay, param, momentumBuffer);
    }

    @Override
    protected void doRandomNormal(RandomState rng, float mean, float std, Tensor dst) {
        cpu.doRandomNormal(rng, mean, std, dst);
    }

    @Override
    protected void doRandomUniform(RandomState rng, float low, float high, Tensor dst) {
        cpu.doRandomUniform(rng, low, high, dst);
    }

    @Override
    protected void doFillTargets(RandomState rng, float value, float flippedValue, float flipProbability,
            float noise, Tensor dst) {
        cpu.doFillTargets(rng, value, flippedValue, flipProbability, noise, dst);
    }

    @Override
    protected void doDropoutForward(RandomState rng, float p, Tensor x, Tensor mask, Tensor y) {
        cpu.doDropoutForward(rng, p, x, mask, y);
    }
}
