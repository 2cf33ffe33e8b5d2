package org.gan4j.nn;

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
public final class ConvTranspose2d extends ConvLayer {
    private final int outputPadding;

    /** Without output padding. */
    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, kernel, stride, padding, 0, bias);
    }

    public ConvTranspose2d(int in, int out, int kernel, int stride, int padding, int outputPadding, boolean bias) {
        super("ConvTranspose2d", in, out, kernel, stride, padding, true, bias, false);
        if (outputPadding < 0 || outputPadding >= stride) {
            throw new IllegalArgumentException("output_padding must be in [0, stride) = [0, " + stride + "), got "
                    + outputPadding);
        }
        this.outputPadding = outputPadding;
    }

    @Override
    public Shape outputShape(Shape input) {
        requireInput(input);
        int ho = (input.dim(2) - 1) * params.strideH() - 2 * params.padH() + kernel + outputPadding;
        int wo = (input.dim(3) - 1) * params.strideW() - 2 * params.padW() + kernel + outputPadding;
        if (ho < 1 || wo < 1) {
            throw new IllegalArgumentException(this + ": input " + input + " gives an empty output " + ho + "x" + wo);
        }
        return Shape.of(input.dim(0), out, ho, wo);
    }

    @Override
    protected void applyForward(Tensor x, Tensor y) {
        backend().convBackwardData(x, mapWeight(), params, y);
    }

    @Override
    protected void accumulateWeightGradient(Tensor x, Tensor dz) {
        backend().convBackwardFilter(dz, x, params, mapWeightGradient());
    }

    @Override
    protected void applyInputGradient(Tensor dz, Tensor dx) {
        backend().convForward(dz, mapWeight(), params, dx);
    }

    @Override
    public String toString() {
        return describe("ConvTranspose2d", outputPadding != 0 ? ", op=" + outputPadding : "");
    }
}
