package org.gan4j.nn;

import org.gan4j.backend.Activation;

/** Tanh: {@code tanh(x)}, the DCGAN generator's output; PyTorch {@code nn.Tanh}. Any shape. */
public final class Tanh extends ActivationLayer {
    public Tanh() {
        super(Activation.TANH);
    }

    @Override
    public String toString() {
        return "Tanh()";
    }
}
