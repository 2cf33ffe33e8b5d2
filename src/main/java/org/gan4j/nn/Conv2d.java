package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * 2-D convolution, PyTorch {@code nn.Conv2d(in, out, kernel, stride, padding, bias)} (square kernel, dilation 1,
 * one group): {@code x: (N, in, H, W)}, {@code W: (out, in, k, k)}, {@code y: (N, out, Ho, Wo)} with
 * {@code Ho = floor((H + 2 padding - k) / stride) + 1}. Backward: {@code dW += corr(x, dz)}, {@code db += sum dz},
 * {@code dx = conv_transpose(dz, W)}.
 */
public final class Conv2d extends Layer implements FusableLayer {
    private final int in;
    private final int out;
    private final int kernel;
    private final ConvParams params;
    private final Parameter weight;
    private final Parameter bias;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;

    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        if (in < 1 || out < 1 || kernel < 1) {
            throw new IllegalArgumentException("Conv2d needs in, out, kernel >= 1, got in=" + in + ", out=" + out
                    + ", kernel=" + kernel);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.params = ConvParams.of(stride, padding);
        int fanIn = in * kernel * kernel;
        this.weight = addParameter("weight", Shape.of(out, in, kernel, kernel), Parameter.Role.WEIGHT, fanIn);
        this.bias = bias ? addParameter("bias", Shape.of(out), Parameter.Role.BIAS, fanIn) : null;
    }

    public Parameter weight() {
        return weight;
    }

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
        if (input.rank() != 4 || input.dim(1) != in) {
            throw new IllegalArgumentException(this + ": expected input (N, " + in + ", H, W), got " + input);
        }
        return params.outputShape(input, weight.shape());
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", ys);
        backend().convForward(x, weight.value(), params, y);
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
            backend().convBackwardFilter(x, dz, params, weight.grad());
        }
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", x.shape());
        backend().convBackwardData(dz, weight.value(), params, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "Conv2d(" + in + ", " + out + ", k=" + kernel + ", s=" + params.strideH() + ", p=" + params.padH()
                + ", bias=" + (bias != null) + Linear.fused(activation) + ")";
    }
}
