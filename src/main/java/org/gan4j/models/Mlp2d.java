package org.gan4j.models;

import java.util.ArrayList;
import java.util.List;

import org.gan4j.nn.Layer;
import org.gan4j.nn.LeakyReLU;
import org.gan4j.nn.Linear;
import org.gan4j.nn.ReLU;
import org.gan4j.nn.Sequential;

/**
 * Multi-layer perceptrons for GANs on 2-D points (the ring and grid mixtures):
 * <pre>
 * G: z (N, nz) -> [Linear(., hidden) ReLU] x depth -> Linear(hidden, 2) -> points (N, 2)
 * D: x (N, 2)  -> [Linear(., hidden) LeakyReLU(0.2)] x depth -> Linear(hidden, 1) -> logits (N, 1)
 * </pre>
 */
public final class Mlp2d {
    private Mlp2d() {
    }

    public static Sequential generator(int nz, int hidden, int depth) {
        return mlp(nz, hidden, depth, 2, false);
    }

    public static Sequential discriminator(int hidden, int depth) {
        return mlp(2, hidden, depth, 1, true);
    }

    private static Sequential mlp(int in, int hidden, int depth, int out, boolean leaky) {
        if (depth < 1 || hidden < 1) {
            throw new IllegalArgumentException("MLP needs depth >= 1 and hidden >= 1, got depth=" + depth
                    + ", hidden=" + hidden);
        }
        List<Layer> layers = new ArrayList<>();
        int width = in;
        for (int i = 0; i < depth; i++) {
            layers.add(new Linear(width, hidden));
            layers.add(leaky ? new LeakyReLU(0.2f) : new ReLU());
            width = hidden;
        }
        layers.add(new Linear(width, out));
        return new Sequential(layers.toArray(Layer[]::new));
    }
}
