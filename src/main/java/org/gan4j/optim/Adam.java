package org.gan4j.optim;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gan4j.backend.Backend;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Adam (Kingma and Ba 2015) with PyTorch's {@code torch.optim.Adam} semantics: L2 weight decay added to the gradient,
 * bias-corrected moments. Per element, with the step count {@code t} incremented first:
 * <pre>
 * g = grad + weightDecay * p
 * m = beta1 m + (1 - beta1) g            v = beta2 v + (1 - beta2) g^2
 * p -= lr * (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * </pre>
 * The moments {@code m}, {@code v} are flat tensors in the layout of {@link Model#parameters()} and {@code t} is a
 * 1-element tensor, all on the model's backend, so a step is one {@link Backend#adamStep} and never reads a value on
 * the host. PyTorch equivalent: {@code torch.optim.Adam(model.parameters(), lr, betas=(beta1, beta2), eps,
 * weight_decay)}; {@link #state()} holds {@code exp_avg}, {@code exp_avg_sq} and {@code step}, as its state_dict does
 * (flat here). The step count is exact up to 2^24 steps in an F32 tensor.
 *
 * <p>The learning rate also lives in a 1-element tensor on the backend, written when it changes
 * ({@link #setLearningRate}) and read by the step when it runs (PyTorch's {@code capturable=True}): a step captured
 * as a CUDA graph replays with the current rate, so a schedule does not make the graph be captured again.
 */
public final class Adam extends AbstractOptimizer {
    private final float beta1;
    private final float beta2;
    private final float eps;
    private final float weightDecay;
    private final Tensor m;
    private final Tensor v;
    private final Tensor step;
    private final Tensor lrTensor;

    /**
     * Adam over every parameter of {@code model}, moments zero, step count 0.
     *
     * @throws IllegalArgumentException for lr, eps or weightDecay not finite and {@code >= 0}, or a beta outside
     *                                  [0, 1)
     */
    public Adam(Model model, float lr, float beta1, float beta2, float eps, float weightDecay) {
        super("Adam", model, lr);
        float belowOne = 1f - Math.ulp(1f);
        this.beta1 = check("beta1", beta1, 0f, belowOne);
        this.beta2 = check("beta2", beta2, 0f, belowOne);
        this.eps = check("eps", eps, 0f, Float.MAX_VALUE);
        this.weightDecay = check("weightDecay", weightDecay, 0f, Float.MAX_VALUE);
        Shape shape = model.parameters().shape();
        this.m = backend.allocate(shape);
        this.v = backend.allocate(shape);
        this.step = backend.allocate(Shape.of(1));
        this.lrTensor = backend.allocate(Shape.of(1));
        learningRateChanged();
    }

    /** The GAN default of Radford et al. and pytorch/examples dcgan: betas (0.5, 0.999), eps 1e-8, no decay. */
    public static Adam gan(Model model, float lr) {
        return new Adam(model, lr, 0.5f, 0.999f, 1e-8f, 0f);
    }

    @Override
    public void step() {
        backend.adamStep(model.gradients(), lrTensor, beta1, beta2, eps, weightDecay, model.parameters(), m, v,
                step);
    }

    @Override
    protected void learningRateChanged() {
        backend.fill(lr, lrTensor);
    }

    @Override
    public void close() {
        lrTensor.close();
        super.close();
    }

    public float beta1() {
        return beta1;
    }

    public float beta2() {
        return beta2;
    }

    public float eps() {
        return eps;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** Entries {@code exp_avg} and {@code exp_avg_sq} (flat, layout of {@link Model#parameters()}) and {@code step} (1). */
    @Override
    protected Map<String, Tensor> stateTensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("exp_avg", m);
        t.put("exp_avg_sq", v);
        t.put("step", step);
        return t;
    }
}
