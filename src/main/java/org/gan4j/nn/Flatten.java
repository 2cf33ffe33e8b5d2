package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/** {@code (N, d1, d2, ...) -> (N, d1*d2*...)}, a view; PyTorch {@code nn.Flatten()}. */
public final class Flatten extends Layer {
    private Shape inputShape;

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.dim(0), input.sampleSize());
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

    @Override
    public String toString() {
        return "Flatten()";
    }
}
