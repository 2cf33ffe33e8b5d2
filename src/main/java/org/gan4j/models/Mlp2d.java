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
 * D may spectrally normalise its Linear layers and pack k samples: {@code Pack(k)} first, {@code (N, 2) -> (N/k,
 * 2k)}, then the same MLP on 2k inputs, giving {@code N / k} logits.
 */
public final class Mlp2d {
    private Mlp2d() {
    }

    public static Sequential generator(int nz, int hidden, int depth) {
        return mlp(nz, hidden, depth, 2, false);
    }

    public static Sequential discriminator(int hidden, int depth) {
        return discriminator(hidden, depth, false, 1);
    }

    /** D with spectral normalisation of every Linear when {@code spectralNorm}, judging {@code pack} points at once. */
    public static Sequential discriminator(int hidden, int depth, boolean spectralNorm, int pack) {
        return Packing.packed(mlp(2 * pack, hidden, depth, 1, true, spectralNorm), pack);
    }

    private static Sequential mlp(int in, int hidden, int depth, int out, boolean leaky) {
        return mlp(in, hidden, depth, out, leaky, false);
    }

    /** D's layers on {@code in} inputs without packing (for tests: a packed D is this MLP on 2k inputs). */
    static Sequential mlpOn(int in, int hidden, int depth) {
        return mlp(in, hidden, depth, 1, true);
    }

    private static Sequential mlp(int in, int hidden, int depth, int out, boolean leaky, boolean spectralNorm) {
        if (depth < 1 || hidden < 1) {
            throw new IllegalArgumentException("MLP needs depth >= 1 and hidden >= 1, got depth=" + depth
                    + ", hidden=" + hidden);
        }
        List<Layer> layers = new ArrayList<>();
        int width = in;
        for (int i = 0; i < depth; i++) {
            layers.add(new Linear(width, hidden, true, spectralNorm));
            layers.add(leaky ? new LeakyReLU(0.2f) : new ReLU());
            width = hidden;
        }
        layers.add(new Linear(width, out, true, spectralNorm));
        return new Sequential(layers.toArray(Layer[]::new));
    }
}
