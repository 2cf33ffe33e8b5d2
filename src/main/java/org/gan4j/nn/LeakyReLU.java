package org.gan4j.nn;

import org.gan4j.backend.Activation;

/**
 * LeakyReLU: {@code x > 0 ? x : slope * x}, any shape; PyTorch {@code nn.LeakyReLU(negative_slope)}, default slope
 * 0.01 (DCGAN's discriminator uses 0.2).
 */
public final class LeakyReLU extends ActivationLayer {
    public LeakyReLU() {
        this(0.01f);
    }

    public LeakyReLU(float slope) {
        super(Activation.leakyRelu(slope));
    }

    @Override
    public String toString() {
        return "LeakyReLU(" + activation().slope() + ")";
    }
}
