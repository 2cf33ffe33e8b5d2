package org.gan4j.nn;

import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Inverted dropout, PyTorch {@code nn.Dropout(p)}, any shape: in training mode each element is zeroed with
 * probability {@code p} and the rest scaled by {@code 1 / (1 - p)}; identity in eval mode. Draws from the
 * {@link Model}'s random stream.
 */
public final class Dropout extends Layer {
    private final float p;
    private RandomState random;
    private Shape lastShape;
    private Tensor mask;
    private boolean forwardWasTraining;

    /** p = 0.5, PyTorch's default. */
    public Dropout() {
        this(0.5f);
    }

    public Dropout(float p) {
        if (!(p >= 0f && p < 1f)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
        this.p = p;
    }

    @Override
    protected void attach(org.gan4j.backend.Backend backend, RandomState random) {
        super.attach(backend, random);
        this.random = random;
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        lastShape = x.shape();
        forwardWasTraining = isTraining();
        if (!forwardWasTraining) {
            mask = null;
            return x;
        }
        mask = buffer("mask", x.shape());
        Tensor y = buffer("y", x.shape());
        backend().dropoutForward(random, p, x, mask, y);
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        if (lastShape == null) {
            throw new IllegalStateException(this + ": backward called before forward");
        }
        requireShape(dy.shape(), lastShape, "gradient");
        if (!needInputGrad) {
            return null;
        }
        if (!forwardWasTraining) {
            return dy;
        }
        Tensor dx = buffer("dx", dy.shape());
        backend().multiply(dy, mask, dx);
        return dx;
    }

    @Override
    public String toString() {
        return "Dropout(" + p + ")";
    }
}
