package org.gan4j.models;

import org.gan4j.nn.BatchNorm1d;
import org.gan4j.nn.BatchNorm2d;
import org.gan4j.nn.Conv2d;
import org.gan4j.nn.ConvTranspose2d;
import org.gan4j.nn.Flatten;
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
        return new Sequential(
                new Linear(NZ, 128 * 7 * 7, false), new BatchNorm1d(128 * 7 * 7), new ReLU(),
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
        Sequential d = new Sequential(
                new Conv2d(pack, 64, 4, 2, 1, false, spectralNorm), new LeakyReLU(0.2f),
                new Conv2d(64, 128, 4, 2, 1, false, spectralNorm), new BatchNorm2d(128), new LeakyReLU(0.2f),
                new Flatten(), new Linear(128 * 7 * 7, 1, true, spectralNorm));
        return Packing.packed(d, pack);
    }
}
