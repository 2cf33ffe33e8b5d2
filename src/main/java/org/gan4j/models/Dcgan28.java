package org.gan4j.models;

import org.gan4j.nn.BatchNorm1d;
import org.gan4j.nn.ClassEmbedding;
import org.gan4j.nn.ClassProjection;
import org.gan4j.nn.BatchNorm2d;
import org.gan4j.nn.Conv2d;
import org.gan4j.nn.ConvTranspose2d;
import org.gan4j.nn.Flatten;
import org.gan4j.nn.Layer;
import org.gan4j.nn.LeakyReLU;
import org.gan4j.nn.Linear;
import org.gan4j.nn.ReLU;
import org.gan4j.nn.Reshape;
import org.gan4j.nn.Sequential;
import org.gan4j.nn.Tanh;

/**
 * A DCGAN for 28x28 single-channel images (MNIST, Fashion-MNIST). The benchmarks compare it layer for layer with
 * the same network in PyTorch, so it is kept exactly:
 * <pre>
 * G: z (N, 100) -> Linear(100, 128*7*7, no bias) -> BatchNorm1d -> ReLU -> reshape (128, 7, 7)
 *    -> ConvT(128, 64, 4, 2, 1, no bias) -> BatchNorm2d -> ReLU -> ConvT(64, 1, 4, 2, 1, no bias) -> Tanh
 * D: x (N, 1, 28, 28) -> Conv(1, 64, 4, 2, 1, no bias) -> LeakyReLU(0.2) -> Conv(64, 128, 4, 2, 1, no bias)
 *    -> BatchNorm2d -> LeakyReLU(0.2) -> Flatten -> Linear(128*7*7, 1) -> logits (N, 1)
 * </pre>
 */
public final class Dcgan28 {
    /** Latent size. */
    public static final int NZ = 100;

    private Dcgan28() {
    }

    public static Sequential generator() {
        return generator(0);
    }

    /**
     * G, class-conditional when {@code classes > 0}: a {@link ClassEmbedding} after the first Linear adds the
     * class's learned vector (the same as a one-hot class code concatenated to z).
     */
    public static Sequential generator(int classes) {
        Layer first = new Linear(NZ, 128 * 7 * 7, false);
        Layer embed = classes > 0 ? new ClassEmbedding(classes, 128 * 7 * 7) : null;
        Layer[] head = embed == null ? new Layer[] {first} : new Layer[] {first, embed};
        return Sequential.of(head,
                new BatchNorm1d(128 * 7 * 7), new ReLU(),
                new Reshape(128, 7, 7),
                new ConvTranspose2d(128, 64, 4, 2, 1, false), new BatchNorm2d(64), new ReLU(),
                new ConvTranspose2d(64, 1, 4, 2, 1, false), new Tanh());
    }

    public static Sequential discriminator() {
        return discriminator(false, 1);
    }

    /**
     * D with spectral normalisation of its two convolutions and its Linear when {@code spectralNorm}, judging
     * {@code pack} images at once ({@code Pack} first: {@code pack} channels in).
     */
    public static Sequential discriminator(boolean spectralNorm, int pack) {
        return discriminator(spectralNorm, pack, 0);
    }

    /**
     * As {@link #discriminator(boolean, int)}, a projection discriminator when {@code classes > 0}: the last Linear
     * gives {@code 1 + classes} outputs and {@link ClassProjection} keeps the unconditional one plus the requested
     * class's (Miyato and Koyama 2018).
     */
    public static Sequential discriminator(boolean spectralNorm, int pack, int classes) {
        Layer[] body = {
            new Conv2d(pack, 64, 4, 2, 1, false, spectralNorm), new LeakyReLU(0.2f),
            new Conv2d(64, 128, 4, 2, 1, false, spectralNorm), new BatchNorm2d(128), new LeakyReLU(0.2f),
            new Flatten(), new Linear(128 * 7 * 7, 1 + classes, true, spectralNorm)};
        Sequential d = classes > 0 ? Sequential.of(body, new ClassProjection(classes)) : new Sequential(body);
        return Packing.packed(d, pack);
    }
}
