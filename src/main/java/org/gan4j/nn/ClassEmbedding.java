package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Adds a learned per-class vector to each sample: {@code y_n = x_n + E[label_n]}, with {@code x: (N, ...)} of
 * {@code F} elements per sample and the table {@code E: (K, F)}. Placed right after G's first Linear (before its
 * batch norm) it is exactly a one-hot class code concatenated to the noise z and fed through that Linear (the
 * classic conditional GAN of Mirza and Osindero 2014), the table being the Linear's extra columns.
 *
 * <p>With the one-hot mask {@code M: (N, K)}: forward {@code y = x + M E}; backward {@code dE += M^T dy} (each row's
 * gradient added into its class's row of E), {@code dx = dy}. The table is a {@link Parameter.Role#WEIGHT} with
 * fan-in K (DCGAN init: N(0, 0.02), as the Linear's own weights).
 */
public final class ClassEmbedding extends ClassConditional {
    private final int features;
    private final Parameter table;
    private Shape inputShape;

    /** For {@code numClasses} classes and samples of {@code features} elements. */
    public ClassEmbedding(int numClasses, int features) {
        super(numClasses, 0);
        if (features < 1) {
            throw new IllegalArgumentException("ClassEmbedding needs features >= 1, got " + features);
        }
        this.features = features;
        this.table = addParameter("weight", Shape.of(numClasses, features), Parameter.Role.WEIGHT, numClasses);
    }

    /** The table {@code E: (K, F)}. */
    public Parameter table() {
        return table;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() < 2 || input.sampleSize() != features) {
            throw new IllegalArgumentException(this + ": expected input (N, ...) of " + features
                    + " elements per sample, got " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        inputShape = outputShape(x.shape());
        int n = x.shape().dim(0);
        Tensor y = buffer("y", x.shape());
        backend().copy(x, y);
        backend().gemm(false, false, 1f, mask(n), table.value(), 1f, y.reshape(Shape.of(n, features)));
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        requireShape(dy.shape(), requireForwardShape(), "gradient");
        int n = dy.shape().dim(0);
        Tensor m = mask(n);
        if (parameterGradients()) {
            backend().gemm(true, false, 1f, m, dy.reshape(Shape.of(n, features)), 1f, table.grad());
        }
        return needInputGrad ? dy : null;
    }

    private Shape requireForwardShape() {
        if (inputShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        return inputShape;
    }

    @Override
    public String toString() {
        return "ClassEmbedding(" + numClasses() + ", " + features + ")";
    }
}
