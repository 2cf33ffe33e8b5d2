package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * PacGAN packing (Lin et al. 2018): {@code k} consecutive samples become one, concatenated along the first sample
 * dimension: {@code (N, d1, d2, ...) -> (N / k, k d1, d2, ...)}, e.g. 2-D points {@code (N, 2) -> (N / k, 2k)} or
 * images {@code (N, C, H, W) -> (N / k, kC, H, W)} (channels stacked). In row-major memory that is the same data: a
 * view, no copy. Placed first in a discriminator, it makes D judge {@code k} samples at once, which penalises a
 * generator whose samples lack variety (mode collapse). N must be a multiple of k. Backward reshapes the gradient back.
 */
public final class Pack extends Layer {
    private final int k;
    private Shape inputShape;

    /** Packs {@code k >= 1} samples (1: a no-op). */
    public Pack(int k) {
        if (k < 1) {
            throw new IllegalArgumentException("Pack needs k >= 1 samples per pack, got " + k);
        }
        this.k = k;
    }

    /** Samples per pack. */
    public int k() {
        return k;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.dim(0) % k != 0) {
            throw new IllegalArgumentException(this + ": needs a batch (N, ...) with N a multiple of " + k + ", got "
                    + input + "; choose a batch size divisible by " + k);
        }
        int[] dims = input.dims();
        dims[0] /= k;
        dims[1] *= k;
        return Shape.of(dims);
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = x.shape();
        return x.reshape(outputShape(x.shape()));
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        requireShape(dy.shape(), outputShape(inputShape), "gradient");
        return needInputGrad ? dy.reshape(inputShape) : null;
    }

    /** A reshape: the adjoint is {@code a} reshaped to the output's shape. */
    @Override
    public Tensor r1Backward(Tensor a) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": r1Backward called before forward");
        }
        requireShape(a.shape(), inputShape, "adjoint of the input gradient");
        return a.reshape(outputShape(inputShape));
    }

    @Override
    public boolean supportsR1() {
        return true;
    }

    @Override
    public String toString() {
        return "Pack(" + k + ")";
    }
}
