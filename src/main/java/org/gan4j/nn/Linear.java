package org.gan4j.nn;

import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Fully connected layer, PyTorch {@code nn.Linear(in, out, bias)}: {@code y = x W^T + b} with
 * {@code x: (N, in)}, {@code W: (out, in)}, {@code b: (out)}, {@code y: (N, out)}. Backward:
 * {@code dW += dz^T x}, {@code db += sum_n dz}, {@code dx = dz W}, where {@code dz} is {@code dy} through any fused
 * activation.
 */
public final class Linear extends AffineLayer {
    private final int in;
    private final int out;
    private final Parameter weight;

    /** With bias. */
    public Linear(int in, int out) {
        this(in, out, true);
    }

    public Linear(int in, int out, boolean bias) {
        this(in, out, bias, false);
    }

    /** With spectral normalisation of the weight when {@code spectralNorm} (see {@link AffineLayer}). */
    public Linear(int in, int out, boolean bias, boolean spectralNorm) {
        if (in < 1 || out < 1) {
            throw new IllegalArgumentException("Linear needs in >= 1 and out >= 1, got in=" + in + ", out=" + out);
        }
        this.in = in;
        this.out = out;
        this.weight = declareWeight(Shape.of(out, in), in, spectralNorm);
        declareBias(bias, out, in);
    }

    public Parameter weight() {
        return weight;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.dim(1) != in) {
            throw new IllegalArgumentException(this + ": expected input (N, " + in + "), got " + input);
        }
        return Shape.of(input.dim(0), out);
    }

    @Override
    protected void applyForward(Tensor x, Tensor y) {
        backend().gemm(false, true, 1f, x, mapWeight(), 0f, y);
    }

    @Override
    protected void accumulateWeightGradient(Tensor x, Tensor dz) {
        backend().gemm(true, false, 1f, dz, x, 1f, mapWeightGradient());
    }

    @Override
    protected void applyInputGradient(Tensor dz, Tensor dx) {
        backend().gemm(false, false, 1f, dz, mapWeight(), 0f, dx);
    }

    @Override
    public String toString() {
        return "Linear(" + in + ", " + out + biasAndActivation() + ")";
    }
}
