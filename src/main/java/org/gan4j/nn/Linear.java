package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Fully connected layer, PyTorch {@code nn.Linear(in, out, bias)}: {@code y = x W^T + b} with
 * {@code x: (N, in)}, {@code W: (out, in)}, {@code b: (out)}, {@code y: (N, out)}. Backward:
 * {@code dW += dz^T x}, {@code db += sum_n dz}, {@code dx = dz W}, where {@code dz} is {@code dy} through any fused
 * activation.
 */
public final class Linear extends Layer implements FusableLayer {
    private final int in;
    private final int out;
    private final Parameter weight;
    private final Parameter bias;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;

    /** With bias. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear needs in >= 1 and out >= 1, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = addParameter("weight", Shape.of(out, in), Parameter.Role.WEIGHT, in);
        this.bias = bias ? addParameter("bias", Shape.of(out), Parameter.Role.BIAS, in) : null;
    }

    public Parameter weight() {
        return weight;
    }

    /** The bias, or null. */
    public Parameter bias() {
        return bias;
    }

    @Override
    public void fuseActivation(Activation act) {
        this.activation = act;
    }

    @Override
    public Activation fusedActivation() {
        return activation;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.dim(1) != in) {
            throw new IllegalArgumentException(this + ": expected input (N, " + in + "), got " + input);
        }
        return Shape.of(input.dim(0), out);
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", ys);
        backend().gemm(false, true, 1f, x, weight.value(), 0f, y);
        if (bias != null || activation != Activation.IDENTITY) {
            backend().biasActivationForward(y, bias == null ? null : bias.value(), activation, y);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        requireForward(x, this);
        requireShape(dy.shape(), y.shape(), "gradient");
        Tensor dz = dy;
        if (bias != null || activation != Activation.IDENTITY) {
            dz = buffer("dz", y.shape());
            backend().biasActivationBackward(y, dy, activation, dz,
                    bias == null || !parameterGradients() ? null : bias.grad());
        }
        if (parameterGradients()) {
            backend().gemm(true, false, 1f, dz, x, 1f, weight.grad());
        }
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", x.shape());
        backend().gemm(false, false, 1f, dz, weight.value(), 0f, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "Linear(" + in + ", " + out + ", bias=" + (bias != null) + fused(activation) + ")";
    }

    static String fused(Activation a) {
        return a == Activation.IDENTITY ? "" : ", +" + a.kind() + (a.slope() != 0 ? "(" + a.slope() + ")" : "");
    }
}
