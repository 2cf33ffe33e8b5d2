package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Transposed 2-D convolution, PyTorch {@code nn.ConvTranspose2d(in, out, kernel, stride, padding, output_padding,
 * bias)} (square kernel, dilation 1, one group): {@code x: (N, in, H, W)}, {@code W: (in, out, k, k)},
 * {@code y: (N, out, Ho, Wo)} with {@code Ho = (H - 1) stride - 2 padding + k + output_padding}.
 *
 * <p>It reuses the convolution primitives with roles swapped: forward is the convolution's backward-data, the input
 * gradient is a convolution forward, the weight gradient is backward-filter with the operands exchanged.
 */
public final class ConvTranspose2d extends Layer implements FusableLayer {
    private final int in;
    private final int out;
    private final int kernel;
    private final int outputPadding;
    private final ConvParams params;
    private final Parameter weight;
    private final Parameter bias;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;

    /** Without output padding. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, kernel, stride, padding, 0, bias);
    }

    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, boolean bias) {
        if (in < 1 || out < 1 || kernel < 1) {
            throw new IllegalArgumentException("ConvTranspose2d needs in, out, kernel >= 1, got in=" + in
                    + ", out=" + out + ", kernel=" + kernel);
        }
        this.params = ConvParams.of(stride, padding);
        if (outputPadding < 0 || outputPadding >= stride) {
            throw new IllegalArgumentException("output_padding must be in [0, stride) = [0, " + stride + "), got "
                    + outputPadding);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.outputPadding = outputPadding;
        // PyTorch computes fan-in from weight.size(1) * k * k, which for a transposed convolution is `out`.
        int fanIn = out * kernel * kernel;
        this.weight = addParameter("weight", Shape.of(in, out, kernel, kernel), Parameter.Role.WEIGHT, fanIn);
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
        int ho = (input.dim(2) - 1) * params.strideH() - 2 * params.padH() + kernel + outputPadding;
        int wo = (input.dim(3) - 1) * params.strideW() - 2 * params.padW() + kernel + outputPadding;
        if (ho < 1 || wo < 1) {
            throw new IllegalArgumentException(this + ": input " + input + " gives an empty output " + ho + "x" + wo);
        }
        return Shape.of(input.dim(0), out, ho, wo);
    }

    @Override
    public Tensor forward(Tensor x) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", ys);
        backend().convBackwardData(x, weight.value(), params, y);
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
            backend().convBackwardFilter(dz, x, params, weight.grad());
        }
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", x.shape());
        backend().convForward(dz, weight.value(), params, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "ConvTranspose2d(" + in + ", " + out + ", k=" + kernel + ", s=" + params.strideH() + ", p="
                + params.padH() + (outputPadding != 0 ? ", op=" + outputPadding : "") + ", bias=" + (bias != null)
                + Linear.fused(activation) + ")";
    }
}
