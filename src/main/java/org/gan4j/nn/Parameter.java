package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * A trainable tensor of a layer: its value and its gradient, both views into the flat buffers of the {@link Model}
 * that owns the layer (so the optimizer, zeroing and checkpoints each touch one buffer). Gradients accumulate
 * ({@code +=}) during backward passes until {@link Model#zeroGrad()}.
 */
public final class Parameter {
    /** What a parameter is for: initializers choose by it. */
    public enum Role {
        /** Weight of Linear, Conv2d or ConvTranspose2d. */
        WEIGHT,
        /** Bias of Linear, Conv2d or ConvTranspose2d. */
        BIAS,
        /** Scale (gamma) of a normalisation layer. */
        NORM_WEIGHT,
        /** Shift (beta) of a normalisation layer. */
        NORM_BIAS
    }

    private final String name;
    private final Shape shape;
    private final Role role;
    private final int fanIn;
    private Tensor value;
    private Tensor grad;

    Parameter(String name, Shape shape, Role role, int fanIn) {
        this.name = name;
        this.shape = shape;
        this.role = role;
        this.fanIn = fanIn;
    }

    /** The local name within its layer, e.g. {@code weight}. */
    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    public Role role() {
        return role;
    }

    /** Inputs feeding one output unit, as PyTorch computes it for its default initialisation. */
    public int fanIn() {
        return fanIn;
    }

    /** The value; the layer must belong to a {@link Model}. */
    public Tensor value() {
        if (value == null) {
            throw new IllegalStateException("parameter '" + name + "' is not allocated: wrap its layer in a Model");
        }
        return value;
    }

    /** The accumulated gradient; the layer must belong to a {@link Model}. */
    public Tensor grad() {
        if (grad == null) {
            throw new IllegalStateException("parameter '" + name + "' is not allocated: wrap its layer in a Model");
        }
        return grad;
    }

    void bind(Tensor value, Tensor grad) {
        this.value = value;
        this.grad = grad;
    }
}
