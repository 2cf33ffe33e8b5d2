package org.gan4j.models;

import org.gan4j.nn.BatchNorm2d;
import org.gan4j.nn.ClassEmbedding;
import org.gan4j.nn.ClassProjection;
import org.gan4j.nn.Conv2d;
import org.gan4j.nn.ConvTranspose2d;
import org.gan4j.nn.Flatten;
import org.gan4j.nn.Layer;
import org.gan4j.nn.LeakyReLU;
import org.gan4j.nn.ReLU;
import org.gan4j.nn.Sequential;
import org.gan4j.nn.Tanh;

/**
 * The DCGAN of pytorch/examples {@code dcgan/main.py} for 64x64 images, layer for layer (so its {@code main.N.*}
 * parameter names map to our {@code N.*}).
 *
 * <pre>
 * G: z (N, nz, 1, 1) -> ConvT(nz, 8ngf, 4, 1, 0) BN ReLU -> ConvT(8ngf, 4ngf, 4, 2, 1) BN ReLU
 *    -> ConvT(4ngf, 2ngf) BN ReLU -> ConvT(2ngf, ngf) BN ReLU -> ConvT(ngf, nc, 4, 2, 1) Tanh -> (N, nc, 64, 64)
 * D: x (N, nc, 64, 64) -> Conv(nc, ndf, 4, 2, 1) LReLU(0.2) -> Conv(ndf, 2ndf) BN LReLU -> Conv(2ndf, 4ndf) BN LReLU
 *    -> Conv(4ndf, 8ndf) BN LReLU -> Conv(8ndf, 1, 4, 1, 0) -> Flatten -> logits (N, 1)
 * </pre>
 * No biases; D ends in a logit (the reference's final Sigmoid lives in the loss, computed stably).
 */
public final class Dcgan64 {
    private Dcgan64() {
    }

    /** pytorch/examples defaults: nz 100, ngf 64. */
    public static Sequential generator(int nz, int ngf, int channels) {
        return generator(nz, ngf, channels, 0);
    }

    /** G, class-conditional when {@code classes > 0}: a {@link ClassEmbedding} after the first ConvT. */
    public static Sequential generator(int nz, int ngf, int channels, int classes) {
        Layer first = new ConvTranspose2d(nz, ngf * 8, 4, 1, 0, false);
        Layer[] head = classes > 0 ? new Layer[] {first, new ClassEmbedding(classes, ngf * 8 * 4 * 4)}
                : new Layer[] {first};
        return Sequential.of(head, new BatchNorm2d(ngf * 8), new ReLU(),
                new ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, false), new BatchNorm2d(ngf * 4), new ReLU(),
                new ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, false), new BatchNorm2d(ngf * 2), new ReLU(),
                new ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, false), new BatchNorm2d(ngf), new ReLU(),
                new ConvTranspose2d(ngf, channels, 4, 2, 1, false), new Tanh());
    }

    /** pytorch/examples defaults: ndf 64. */
    public static Sequential discriminator(int ndf, int channels) {
        return discriminator(ndf, channels, false, 1);
    }

    /** D with spectral normalisation of every convolution when {@code sn}, judging {@code pack} images at once. */
    public static Sequential discriminator(int ndf, int channels, boolean sn, int pack) {
        return discriminator(ndf, channels, sn, pack, 0);
    }

    /**
     * As {@link #discriminator(int, int, boolean, int)}, a projection discriminator when {@code classes > 0}: the
     * last convolution gives {@code 1 + classes} channels and {@link ClassProjection} keeps the unconditional one
     * plus the requested class's.
     */
    public static Sequential discriminator(int ndf, int channels, boolean sn, int pack, int classes) {
        Layer[] body = {
                new Conv2d(channels * pack, ndf, 4, 2, 1, false, sn), new LeakyReLU(0.2f),
                new Conv2d(ndf, ndf * 2, 4, 2, 1, false, sn), new BatchNorm2d(ndf * 2), new LeakyReLU(0.2f),
                new Conv2d(ndf * 2, ndf * 4, 4, 2, 1, false, sn), new BatchNorm2d(ndf * 4), new LeakyReLU(0.2f),
                new Conv2d(ndf * 4, ndf * 8, 4, 2, 1, false, sn), new BatchNorm2d(ndf * 8), new LeakyReLU(0.2f),
                new Conv2d(ndf * 8, 1 + classes, 4, 1, 0, false, sn), new Flatten()};
        Sequential d = classes > 0 ? Sequential.of(body, new ClassProjection(classes)) : new Sequential(body);
        return Packing.packed(d, pack);
    }
}
