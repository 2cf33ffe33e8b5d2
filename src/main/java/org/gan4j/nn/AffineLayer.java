package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * The common shape of {@link Linear}, {@link Conv2d} and {@link ConvTranspose2d}: a linear map {@code A} of the input
 * (matrix product or convolution), then an optional per-channel bias and a fused activation,
 * {@code y = act(A x + b)}. Backward: {@code dz = dy * act'(y)} and {@code db += sum dz} in one op, then
 * {@code dW += ...} and {@code dx = A^T dz}. Subclasses supply the three uses of {@code A}; this class owns the bias,
 * the fusion and the bookkeeping, so each exists once.
 */
public abstract class AffineLayer extends Layer implements FusableLayer {
    private Parameter bias;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;

    /** Declares the bias (call after declaring the weight, so names and order follow PyTorch); null when absent. */
    protected final Parameter declareBias(boolean present, int channels, int fanIn) {
        bias = present ? addParameter("bias", Shape.of(channels), Parameter.Role.BIAS, fanIn) : null;
        return bias;
    }

    /** {@code y = A x}, overwriting {@code y}. */
    protected abstract void applyForward(Tensor x, Tensor y);

    /** {@code dW += dA/dW (x, dz)}. */
    protected abstract void accumulateWeightGradient(Tensor x, Tensor dz);

    /** {@code dx = A^T dz}, overwriting {@code dx}. */
    protected abstract void applyInputGradient(Tensor dz, Tensor dx);

    /** The bias, or null. */
    public final Parameter bias() {
        return bias;
    }

    @Override
    public final void fuseActivation(Activation act) {
        this.activation = act;
    }

    @Override
    public final Activation fusedActivation() {
        return activation;
    }

    @Override
    public final Tensor forward(Tensor x) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", ys);
        applyForward(x, y);
        if (bias != null || activation != Activation.IDENTITY) {
            backend().biasActivationForward(y, bias == null ? null : bias.value(), activation, y);
        }
        return y;
    }

    @Override
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        requireForward(x, this);
        requireShape(dy.shape(), y.shape(), "gradient");
        Tensor dz = dy;
        if (bias != null || activation != Activation.IDENTITY) {
            dz = buffer("dz", y.shape());
            backend().biasActivationBackward(y, dy, activation, dz,
                    bias == null || !parameterGradients() ? null : bias.grad());
        }
        if (parameterGradients()) {
            accumulateWeightGradient(x, dz);
        }
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", x.shape());
        applyInputGradient(dz, dx);
        return dx;
    }

    /** {@code ", bias=true, +RELU"} and the like, for {@link #toString()}. */
    protected final String biasAndActivation() {
        return ", bias=" + (bias != null) + FusableLayer.describe(activation);
    }
}
