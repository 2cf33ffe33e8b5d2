package org.gan4j.nn;

import org.gan4j.tensor.Shape;

/** {@code (N, d1, d2, ...) -> (N, d1*d2*...)}, a view; PyTorch {@code nn.Flatten()}. */
public final class Flatten extends ViewLayer {
    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.dim(0), input.sampleSize());
    }

    @Override
    public String toString() {
        return "Flatten()";
    }
}
