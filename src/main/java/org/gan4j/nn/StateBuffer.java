package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Non-trainable state of a layer that checkpoints save but the optimizer never sees, such as BatchNorm's running mean
 * and variance. A view into the flat state buffer of the owning {@link Model}.
 */
public final class StateBuffer {
    private final String name;
    private final Shape shape;
    private final float initialValue;
    private Tensor value;

    StateBuffer(String name, Shape shape, float initialValue) {
        this.name = name;
        this.shape = shape;
        this.initialValue = initialValue;
    }

    public String name() {
        return name;
    }

    public Shape shape() {
        return shape;
    }

    /** The value every element starts with. */
    public float initialValue() {
        return initialValue;
    }

    public Tensor value() {
        if (value == null) {
            throw new IllegalStateException("buffer '" + name + "' is not allocated: wrap its layer in a Model");
        }
        return value;
    }

    void bind(Tensor value) {
        this.value = value;
    }
}
