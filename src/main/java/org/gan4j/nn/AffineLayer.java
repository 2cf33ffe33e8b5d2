package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * The common shape of {@link Linear}, {@link Conv2d} and {@link ConvTranspose2d}: a linear map {@code A} of the input
 * (matrix product or convolution), then an optional per-channel bias and a fused activation,
 * {@code y = act(A x + b)}. Backward: {@code dz = dy * act'(y)} and {@code db += sum dz} in one op, then
 * {@code dW += ...} and {@code dx = A^T dz}. Subclasses supply the three uses of {@code A}; this class owns the bias,
 * the fusion and the bookkeeping, so each exists once.
 *
 * <p><b>Spectral normalisation</b> (Miyato et al. 2018, as PyTorch's {@code spectral_norm}; declared with
 * {@link #declareWeight}): the map uses {@code W_sn = W / sigma(W)} instead of {@code W}, with {@code sigma} the
 * largest singular value of {@code W} read as an (out, k) matrix, estimated by one step of power iteration per
 * training forward ({@link org.gan4j.backend.Backend#spectralNormForward}) from the persistent vectors
 * {@code weight_u} (out) and {@code weight_v} (k), kept as buffers (so checkpointed). In evaluation mode {@code v} is
 * not updated. Backward maps the gradient of {@code W_sn} to {@code W} with {@code u}, {@code v} held constant
 * ({@link org.gan4j.backend.Backend#spectralNormBackward}). Subclasses use {@link #mapWeight()} and
 * {@link #mapWeightGradient()} for {@code W} and its gradient, and get either form.
 */
public abstract class AffineLayer extends Layer implements FusableLayer {
    private Parameter weight;
    private StateBuffer spectralU;
    private StateBuffer spectralV;
    private Tensor sigma;
    private Parameter bias;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;
    private Tensor dz;

    /**
     * Declares the weight {@code weight} of {@code shape} (out, ...) with the given fan-in, spectrally normalised
     * when {@code spectralNorm} (then also the buffers {@code weight_u}, {@code weight_v}, both starting as unit
     * vectors of equal entries).
     */
    protected final Parameter declareWeight(Shape shape, int fanIn, boolean spectralNorm) {
        weight = addParameter("weight", shape, Parameter.Role.WEIGHT, fanIn);
        if (spectralNorm) {
            int out = shape.dim(0);
            int k = shape.size() / out;
            spectralU = addBuffer("weight_u", Shape.of(out), (float) (1 / Math.sqrt(out)));
            spectralV = addBuffer("weight_v", Shape.of(k), (float) (1 / Math.sqrt(k)));
        }
        return weight;
    }

    /** Whether the weight is spectrally normalised. */
    public final boolean spectralNorm() {
        return spectralU != null;
    }

    /** The weight the map uses: {@code W}, or {@code W_sn} (valid after a forward) with spectral normalisation. */
    protected final Tensor mapWeight() {
        return spectralU == null ? weight.value() : buffer("weight_sn", weight.shape());
    }

    /** Where {@link #accumulateWeightGradient} adds the gradient of {@link #mapWeight()}. */
    protected final Tensor mapWeightGradient() {
        return spectralU == null ? weight.grad() : buffer("weight_sn_grad", weight.shape());
    }

    /** Declares the bias (call after declaring the weight, so names and order follow PyTorch); null when absent. */
    protected final Parameter declareBias(boolean present, int channels, int fanIn) {
        bias = present ? addParameter("bias", Shape.of(channels), Parameter.Role.BIAS, fanIn) : null;
        return bias;
    }

    /** {@code y = A x}, overwriting {@code y}. */
    protected abstract void applyForward(Tensor x, Tensor y);

    /** {@code dW += dA/dW (x, dz)}. */
    protected abstract void accumulateWeightGradient(Tensor x, Tensor dz);

    /** {@code dx = A^T dz}, overwriting {@code dx}. */
    protected abstract void applyInputGradient(Tensor dz, Tensor dx);

    /** The bias, or null. */
    public final Parameter bias() {
        return bias;
    }

    @Override
    public final void fuseActivation(Activation act) {
        this.activation = act;
    }

    @Override
    public final Activation fusedActivation() {
        return activation;
    }

    @Override
    public final Tensor forward(Tensor x) {
        Shape ys = outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", ys);
        if (spectralU != null) {
            sigma = buffer("sigma", Shape.of(1));
            backend().spectralNormForward(weight.value(), spectralU.value(), spectralV.value(), isTraining(), sigma,
                    mapWeight());
        }
        applyForward(x, y);
        if (bias != null || activation != Activation.IDENTITY) {
            backend().biasActivationForward(y, bias == null ? null : bias.value(), activation, y);
        }
        return y;
    }

    @Override
    public final Tensor backward(Tensor dy, boolean needInputGrad) {
        requireForward(x, this);
        requireShape(dy.shape(), y.shape(), "gradient");
        Tensor dz = dy;
        if (bias != null || activation != Activation.IDENTITY) {
            dz = buffer("dz", y.shape());
            backend().biasActivationBackward(y, dy, activation, dz,
                    bias == null || !parameterGradients() ? null : bias.grad());
        }
        this.dz = dz;
        if (parameterGradients()) {
            addWeightGradient(x, dz);
        }
        if (!needInputGrad) {
            return null;
        }
        Tensor dx = buffer("dx", x.shape());
        applyInputGradient(dz, dx);
        return dx;
    }

    /** {@code dW += dA/dW (input, dz)}, through the spectral normalisation when there is one. */
    private void addWeightGradient(Tensor input, Tensor dz) {
        if (spectralU == null) {
            accumulateWeightGradient(input, dz);
        } else {
            backend().fill(0f, mapWeightGradient());
            accumulateWeightGradient(input, dz);
            backend().spectralNormBackward(mapWeightGradient(), mapWeight(), spectralU.value(), spectralV.value(),
                    sigma, weight.grad());
        }
    }

    /**
     * The backward {@code dx = A^T dz} with {@code dz = dy * act'(y)} is bilinear in {@code (W, dy)} for a fixed
     * activation pattern, so for the adjoint {@code a} of {@code dx}: {@code dW += dA/dW (a, dz)} (the weight
     * gradient's own op with {@code a} in place of {@code x}), nothing for the bias, and the adjoint of {@code dy} is
     * {@code (A a) * act'(y)}.
     */
    @Override
    public final Tensor r1Backward(Tensor a) {
        if (dz == null) {
            throw new IllegalStateException(this + ": r1Backward called before backward");
        }
        requireShape(a.shape(), x.shape(), "adjoint of the input gradient");
        if (!supportsR1()) {
            return super.r1Backward(a);
        }
        if (parameterGradients()) {
            addWeightGradient(a, dz);
        }
        Tensor out = buffer("r1", y.shape());
        applyForward(a, out);
        if (activation != Activation.IDENTITY) {
            backend().biasActivationBackward(y, out, activation, out, null);
        }
        return out;
    }

    @Override
    public final boolean supportsR1() {
        return activation.isPiecewiseLinear();
    }

    /** {@code ", bias=true, +RELU"} and the like (and {@code ", sn"}), for {@link #toString()}. */
    protected final String biasAndActivation() {
        return ", bias=" + (bias != null) + (spectralNorm() ? ", sn" : "") + FusableLayer.describe(activation);
    }
}
