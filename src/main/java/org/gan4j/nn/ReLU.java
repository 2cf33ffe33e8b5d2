package org.gan4j.nn;

import org.gan4j.backend.Activation;

/** ReLU: {@code max(x, 0)}; PyTorch {@code nn.ReLU}. Any shape. */
public final class ReLU extends ActivationLayer {
    public ReLU() {
        super(Activation.RELU);
    }

    @Override
    public String toString() {
        return "ReLU()";
    }
}
