package org.gan4j.nn;

import org.gan4j.backend.Activation;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Batch normalisation over channel dimension 1 with learnable scale and shift, PyTorch's {@code BatchNorm1d} (input
 * {@code (N, C)}) and {@code BatchNorm2d} ({@code (N, C, H, W)}): in training mode
 * {@code y = gamma (x - mean_B) / sqrt(var_B + eps) + beta} with batch statistics, and running statistics updated
 * with {@code momentum} (unbiased variance); in eval mode the running statistics are used. Defaults eps 1e-5,
 * momentum 0.1. Parameters {@code weight} (gamma), {@code bias} (beta); buffers {@code running_mean},
 * {@code running_var}. PyTorch's {@code num_batches_tracked} is not kept (it only matters when momentum is None).
 */
public class BatchNorm extends Layer implements FusableLayer {
    private final int channels;
    private final int rank;
    private final float eps;
    private final float momentum;
    private final Parameter gamma;
    private final Parameter beta;
    private final StateBuffer runningMean;
    private final StateBuffer runningVar;
    private Activation activation = Activation.IDENTITY;
    private Tensor x;
    private Tensor y;
    private boolean forwardWasTraining;

    protected BatchNorm(int channels, int rank, float eps, float momentum) {
        if (channels < 1) {
            throw new IllegalArgumentException("BatchNorm needs channels >= 1, got " + channels);
        }
        if (!(eps > 0) || !(momentum >= 0 && momentum <= 1)) {
            throw new IllegalArgumentException("BatchNorm needs eps > 0 and momentum in [0, 1], got eps=" + eps
                    + ", momentum=" + momentum);
        }
        this.channels = channels;
        this.rank = rank;
        this.eps = eps;
        this.momentum = momentum;
        this.gamma = addParameter("weight", Shape.of(channels), Parameter.Role.NORM_WEIGHT, channels);
        this.beta = addParameter("bias", Shape.of(channels), Parameter.Role.NORM_BIAS, channels);
        this.runningMean = addBuffer("running_mean", Shape.of(channels), 0f);
        this.runningVar = addBuffer("running_var", Shape.of(channels), 1f);
    }

    public Parameter weight() {
        return gamma;
    }

    public Parameter bias() {
        return beta;
    }

    public StateBuffer runningMean() {
        return runningMean;
    }

    public StateBuffer runningVar() {
        return runningVar;
    }

    @Override
    public void fuseActivation(Activation act) {
        this.activation = act;
    }

    @Override
    public Activation fusedActivation() {
        return activation;
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != rank || input.dim(1) != channels) {
            throw new IllegalArgumentException(this + ": expected input " + (rank == 2 ? "(N, " + channels + ")"
                    : "(N, " + channels + ", H, W)") + ", got " + input);
        }
        return input;
    }

    @Override
    public Tensor forward(Tensor x) {
        outputShape(x.shape());
        this.x = x;
        this.y = buffer("y", x.shape());
        this.forwardWasTraining = isTraining();
        if (forwardWasTraining) {
            backend().batchNormTrainForward(x, gamma.value(), beta.value(), eps, momentum, activation,
                    runningMean.value(), runningVar.value(), y, buffer("saveMean", Shape.of(channels)),
                    buffer("saveInvStd", Shape.of(channels)));
        } else {
            backend().batchNormEvalForward(x, gamma.value(), beta.value(), runningMean.value(), runningVar.value(),
                    eps, activation, y);
        }
        return y;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        requireForward(x, this);
        requireShape(dy.shape(), y.shape(), "gradient");
        Tensor dx = buffer("dx", x.shape());
        Tensor dgamma = parameterGradients() ? gamma.grad() : null;
        Tensor dbeta = parameterGradients() ? beta.grad() : null;
        if (forwardWasTraining) {
            backend().batchNormTrainBackward(x, y, dy, gamma.value(), buffer("saveMean", Shape.of(channels)),
                    buffer("saveInvStd", Shape.of(channels)), activation, dx, dgamma, dbeta);
        } else {
            backend().batchNormEvalBackward(x, y, dy, gamma.value(), runningMean.value(), runningVar.value(), eps,
                    activation, dx, dgamma, dbeta);
        }
        return needInputGrad ? dx : null;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + channels + FusableLayer.describe(activation) + ")";
    }
}
