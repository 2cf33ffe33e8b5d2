package org.gan4j.nn;

import java.util.SplittableRandom;

/**
 * Parameter initialisation schemes. Each draws from an explicitly seeded generator (see
 * {@link Model#initialize(Init, long)}), so the same seed gives the same network.
 */
public enum Init {
    /**
     * PyTorch's defaults: weights and biases of Linear/Conv2d/ConvTranspose2d uniform in
     * {@code [-1/sqrt(fanIn), 1/sqrt(fanIn)]} (kaiming_uniform with a = sqrt(5)); norm weight 1, norm bias 0.
     */
    PYTORCH_DEFAULT,
    /**
     * DCGAN (Radford et al. 2015; pytorch/examples dcgan {@code weights_init}): weights N(0, 0.02), norm weight
     * N(1, 0.02), norm bias 0, other biases 0.
     */
    DCGAN;

    /** Values for one parameter, drawn from {@code rng}. */
    public float[] values(Parameter p, SplittableRandom rng) {
        float[] v = new float[p.shape().size()];
        switch (p.role()) {
            case WEIGHT, BIAS -> {
                if (this == DCGAN) {
                    if (p.role() == Parameter.Role.WEIGHT) {
                        gaussian(v, 0, 0.02, rng);
                    }
                } else {
                    double bound = 1 / Math.sqrt(p.fanIn());
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) rng.nextDouble(-bound, bound);
                    }
                }
            }
            case NORM_WEIGHT -> {
                if (this == DCGAN) {
                    gaussian(v, 1, 0.02, rng);
                } else {
                    java.util.Arrays.fill(v, 1f);
                }
            }
            case NORM_BIAS -> {
            }
        }
        return v;
    }

    private static void gaussian(float[] v, double mean, double std, SplittableRandom rng) {
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (mean + std * rng.nextGaussian());
        }
    }
}
