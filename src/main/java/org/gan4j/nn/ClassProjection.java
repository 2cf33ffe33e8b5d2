package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * The output of a projection discriminator (Miyato and Koyama 2018, "cGANs with projection discriminator"): from
 * {@code z: (N, 1 + K)}, the output of a Linear (or 1x1-output convolution) over D's features {@code phi(x)}, it
 * takes {@code logit_n = z_n0 + z_n(1 + label_n)}. With that Linear's weight rows {@code [psi; V]} and bias
 * {@code [b; c]} this is {@code psi . phi + b + <V[y], phi> + c[y]}: the unconditional logit plus the inner product
 * of the class embedding {@code V[y]} with the features (and a per-class bias).
 *
 * <p>With the mask {@code M: (N, 1 + K)} (a one in column 0 and in column 1 + label): forward
 * {@code logit = (M * z) 1} (row sums); backward {@code dz = M * (dlogit 1^T)}. No parameters.
 */
public final class ClassProjection extends ClassConditional {
    /** For {@code numClasses} classes: the input has {@code 1 + numClasses} columns. */
    public ClassProjection(int numClasses) {
        super(numClasses, 1);
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.dim(1) != 1 + numClasses()) {
            throw new IllegalArgumentException(this + ": expected input (N, " + (1 + numClasses()) + "), got "
                    + input);
        }
        return Shape.of(input.dim(0), 1);
    }

    @Override
    public Tensor forward(Tensor z) {
        Shape out = outputShape(z.shape());
        int n = z.shape().dim(0);
        Tensor masked = buffer("masked", z.shape());
        backend().multiply(mask(n), z, masked);
        Tensor y = buffer("y", out);
        backend().gemm(false, false, 1f, masked, ones(), 0f, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (!needInputGrad) {
            return null;
        }
        int n = dy.shape().dim(0);
        requireShape(dy.shape(), Shape.of(n, 1), "gradient");
        Tensor dz = buffer("dz", Shape.of(n, 1 + numClasses()));
        backend().gemm(false, true, 1f, dy, ones(), 0f, dz); // dy 1^T: (N, 1) x (1, 1 + K)
        backend().multiply(mask(n), dz, dz);
        return dz;
    }

    /** A {@code (1 + K, 1)} column of ones. */
    private Tensor ones() {
        Tensor ones = buffer("ones", Shape.of(1 + numClasses(), 1));
        backend().fill(1f, ones);
        return ones;
    }

    @Override
    public String toString() {
        return "ClassProjection(" + numClasses() + ")";
    }
}
