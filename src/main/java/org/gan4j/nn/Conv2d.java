package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * 2-D convolution, PyTorch {@code nn.Conv2d(in, out, kernel, stride, padding, bias)} (square kernel, dilation 1,
 * one group): {@code x: (N, in, H, W)}, {@code W: (out, in, k, k)}, {@code y: (N, out, Ho, Wo)} with
 * {@code Ho = floor((H + 2 padding - k) / stride) + 1}. Backward: {@code dW += corr(x, dz)}, {@code db += sum dz},
 * {@code dx = conv_transpose(dz, W)}.
 */
public final class Conv2d extends ConvLayer {
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias) {
        this(in, out, kernel, stride, padding, bias, false);
    }

    /** With spectral normalisation of the weight when {@code spectralNorm} (see {@link AffineLayer}). */
    public Conv2d(int in, int out, int kernel, int stride, int padding, boolean bias, boolean spectralNorm) {
        super("Conv2d", in, out, kernel, stride, padding, false, bias, spectralNorm);
    }

    @Override
    public Shape outputShape(Shape input) {
        requireInput(input);
        return params.outputShape(input, weight().shape());
    }

    @Override
    protected void applyForward(Tensor x, Tensor y) {
        backend().convForward(x, mapWeight(), params, y);
    }

    @Override
    protected void accumulateWeightGradient(Tensor x, Tensor dz) {
        backend().convBackwardFilter(x, dz, params, mapWeightGradient());
    }

    @Override
    protected void applyInputGradient(Tensor dz, Tensor dx) {
        backend().convBackwardData(dz, mapWeight(), params, dx);
    }

    @Override
    public String toString() {
        return describe("Conv2d", "");
    }
}
