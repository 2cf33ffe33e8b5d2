package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * A layer whose output is its input under another shape ({@link #outputShape}): a view, no copy; backward gives the
 * gradient the input's shape back. {@link Reshape} and {@link Flatten}.
 */
abstract class ViewLayer extends Layer {
    private Shape inputShape;

    @Override
    public final Tensor forward(Tensor x) {
        inputShape = x.shape();
        return x.reshape(outputShape(x.shape()));
    }

    @Override
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        requireShape(dy.shape(), outputShape(inputShape), "gradient");
        return needInputGrad ? dy.reshape(inputShape) : null;
    }

    /** A reshape: the adjoint is {@code a} reshaped to the output's shape. */
    @Override
    public final Tensor r1Backward(Tensor a) {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": r1Backward called before forward");
        }
        requireShape(a.shape(), inputShape, "adjoint of the input gradient");
        return a.reshape(outputShape(inputShape));
    }

    @Override
    public final boolean supportsR1() {
        return true;
    }
}
