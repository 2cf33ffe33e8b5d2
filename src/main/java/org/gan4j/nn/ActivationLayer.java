package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * An elementwise activation, any shape: {@code y = act(x)}, backward {@code dx = dy * act'(y)}. Use the subclasses
 * {@link ReLU}, {@link LeakyReLU}, {@link Tanh}, {@link Sigmoid}.
 */
public abstract class ActivationLayer extends Layer {
    private final Activation activation;
    private Tensor y;

    protected ActivationLayer(Activation activation) {
        this.activation = activation;
    }

    /** The function applied. */
    public final Activation activation() {
        return activation;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        y = buffer("y", x.shape());
        backend().biasActivationForward(x, null, activation, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        Tensor out = requireForward(y, this);
        requireShape(dy.shape(), out.shape(), "gradient");
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", out.shape());
        backend().biasActivationBackward(out, dy, activation, dx, null);
        return dx;
    }

    /** {@code dx = dy * act'(y)} is linear in {@code dy} for a fixed pattern: the adjoint is {@code a * act'(y)}. */
    @Override
    public Tensor r1Backward(Tensor a) {
        Tensor out = requireForward(y, this);
        requireShape(a.shape(), out.shape(), "adjoint of the input gradient");
        if (!supportsR1()) {
            return super.r1Backward(a);
        }
        Tensor adjoint = buffer("r1", out.shape());
        backend().biasActivationBackward(out, a, activation, adjoint, null);
        return adjoint;
    }

    @Override
    public boolean supportsR1() {
        return activation.isPiecewiseLinear();
    }
}
