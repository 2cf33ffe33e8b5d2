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
public final class Sgd extends AbstractOptimizer {
    private final float momentum;
    private final float weightDecay;
    private final Tensor buffer;

    /**
     * SGD over every parameter of {@code model}.
     *
     * @throws IllegalArgumentException for lr or weightDecay not finite and {@code >= 0}, or momentum outside [0, 1]
     */
    public Sgd(Model model, float lr, float momentum, float weightDecay) {
        super("Sgd", model, lr);
        this.momentum = check("momentum", momentum, 0f, 1f);
        this.weightDecay = check("weightDecay", weightDecay, 0f, Float.MAX_VALUE);
        this.buffer = momentum == 0f ? null : backend.allocate(model.parameters().shape());
    }

    @Override
    public void step() {
        backend.sgdStep(model.gradients(), lr, momentum, weightDecay, model.parameters(), buffer);
    }

    public float momentum() {
        return momentum;
    }

    public float weightDecay() {
        return weightDecay;
    }

    /** Entry {@code momentum_buffer} (flat) when momentum is not 0, else none. */
    @Override
    protected Map<String, Tensor> stateTensors() {
        Map<String, Tensor> t = new LinkedHashMap<>();
        if (buffer != null) {
            t.put("momentum_buffer", buffer);
        }
        return t;
    }
}
