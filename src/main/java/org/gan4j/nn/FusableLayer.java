package org.gan4j.nn;

import org.gan4j.backend.Activation;

/**
 * A layer whose backend op can apply an activation in the same pass (Linear, Conv2d, ConvTranspose2d through the
 * bias+activation op; BatchNorm through the fused batch-norm op). {@link Sequential} fuses a following
 * {@link ActivationLayer} into it; the results are the same as unfused, with one pass over memory fewer.
 */
public interface FusableLayer {
    /** Applies {@code act} to this layer's output from now on. */
    void fuseActivation(Activation act);

    /** The activation applied to the output ({@link Activation#IDENTITY} when none). */
    Activation fusedActivation();

    /** {@code ""} for none, else e.g. {@code ", +LEAKY_RELU(0.2)"}: how layers name a fused activation. */
    static String describe(Activation a) {
        return a == Activation.IDENTITY ? "" : ", +" + a.kind() + (a.slope() != 0 ? "(" + a.slope() + ")" : "");
    }
}
