package org.gan4j.optim;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gan4j.backend.Backend;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Tensor;

/**
 * Stochastic gradient descent with PyTorch's {@code torch.optim.SGD} semantics (no dampening, no Nesterov):
 * <pre>
 * g = grad + weightDecay * p
 * with momentum: buf = momentum * buf + g (buf starts at 0, so the first step gives buf = g); p -= lr * buf
 * without:       p -= lr * g
 * </pre>
 * One {@link Backend#sgdStep} over the model's flat buffers. PyTorch equivalent:
 * {@code torch.optim.SGD(model.parameters(), lr, momentum, weight_decay=weightDecay)}. {@link #state()} holds
 * {@code momentum_buffer} (flat) when momentum is not 0, else nothing.
 */
public final class Sgd implements Optimizer {
    private final Model model;
    private final Backend backend;
    private final float momentum;
    private final float weightDecay;
    private final Tensor buffer;
    private float lr;

    /**
     * SGD over every parameter of {@code model}.
     *
     * @throws IllegalArgumentException for lr or weightDecay not finite and {@code >= 0}, or momentum outside [0, 1]
     */
    public Sgd(Model model, float lr, float momentum, float weightDecay) {
        if (model == null) {
            throw new IllegalArgumentException("Sgd: model must not be null");
        }
        this.lr = OptimizerSupport.check("Sgd", "lr", lr, 0f, Float.MAX_VALUE);
        this.momentum = OptimizerSupport.check("Sgd", "momentum", momentum, 0f, 1f);
        this.weightDecay = OptimizerSupport.check("Sgd", "weightDecay", weightDecay, 0f, Float.MAX_VALUE);
        this.model = model;
        this.backend = model.backend();
        this.buffer = momentum == 0f ? null : backend.allocate(model.parameters().shape());
    }

    @Override
    public void step() {
        backend.sgdStep(model.gradients(), lr, momentum, weightDecay, model.parameters(), buffer);
    }

    @Override
    public float learningRate() {
        return lr;
    }

    @Override
    public void setLearningRate(float lr) {
        this.lr = OptimizerSupport.check("Sgd", "lr", lr, 0f, Float.MAX_VALUE);
    }

    public float momentum() {
        return momentum;
    }

    public float weightDecay() {
        return weightDecay;
    }

    @Override
    public Map<String, float[]> state() {
        return OptimizerSupport.toHost(tensors());
    }

    @Override
    public void loadState(Map<String, float[]> state) {
        OptimizerSupport.fromHost("Sgd", state, tensors());
    }

    private Map<String, Tensor> tensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        if (buffer != null) {
            t.put("momentum_buffer", buffer);
        }
        return t;
    }

    @Override
    public void close() {
        if (buffer != null) {
            buffer.close();
        }
    }
}
