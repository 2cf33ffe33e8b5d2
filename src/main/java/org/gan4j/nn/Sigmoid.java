package org.gan4j.nn;

import org.gan4j.backend.Activation;

/** Sigmoid: {@code 1 / (1 + exp(-x))}; PyTorch {@code nn.Sigmoid}. GAN discriminators here end in a logit instead: the losses apply the sigmoid stably. Any shape. */
public final class Sigmoid extends ActivationLayer {
    public Sigmoid() {
        super(Activation.SIGMOID);
    }

    @Override
    public String toString() {
        return "Sigmoid()";
    }
}
