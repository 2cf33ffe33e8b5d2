package org.gan4j.api;

import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Init;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;

/**
 * Which networks a run trains: a {@link GanArchitecture} and its {@link GanArchitecture.Options} (sizes). Saved in
 * every checkpoint (metadata {@code model}) so that {@link GanSampler} and resume rebuild the same networks.
 * Immutable; every method delegates to {@link GanArchitecture}, the one place where the architectures are defined.
 *
 * @param architecture dcgan64, dcgan28 or mlp2d
 * @param options      its sizes (validated by the architecture)
 */
public record ModelConfig(GanArchitecture architecture, GanArchitecture.Options options) {
    /** Validates the options against the architecture (dcgan28's are fixed, for example). */
    public ModelConfig {
        if (architecture == null || options == null) {
            throw new IllegalArgumentException("architecture and options must not be null; use ModelConfig.of(name)");
        }
        architecture.latentShape(options); // throws IllegalArgumentException naming the problem
    }

    /** An architecture by name ({@code dcgan64}, {@code dcgan28}, {@code mlp2d}) with its default sizes. */
    public static ModelConfig of(String name) {
        GanArchitecture a;
        try {
            a = GanArchitecture.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown model '" + name + "'; choose one of dcgan64, dcgan28, mlp2d",
                    e);
        }
        return new ModelConfig(a, a.defaults());
    }

    /** dcgan64 with latent size nz, widths ngf and ndf, and 1 or 3 channels. */
    public static ModelConfig dcgan64(int nz, int ngf, int ndf, int channels) {
        return new ModelConfig(GanArchitecture.DCGAN64, GanArchitecture.DCGAN64.defaults().withNz(nz)
                .withWidths(ngf, ndf).withChannels(channels));
    }

    /** mlp2d with latent size nz, {@code hidden} units in G and D, and {@code depth} hidden layers each. */
    public static ModelConfig mlp2d(int nz, int hidden, int depth) {
        return new ModelConfig(GanArchitecture.MLP2D, GanArchitecture.MLP2D.defaults().withNz(nz)
                .withWidths(hidden, hidden).withDepth(depth));
    }

    /** Classes of a class-conditional model ({@code train --conditional}), 0 for an unconditional one. */
    public int classes() {
        return options.classes();
    }

    /** The command-line name, e.g. {@code dcgan64}. */
    public String name() {
        return architecture.cliName();
    }

    /** A new generator network (configuration only; wrap it in a {@link org.gan4j.nn.Model}). */
    public Sequential generator() {
        return architecture.generator(options);
    }

    /** A new discriminator network, ending in logits {@code (N, 1)}. */
    public Sequential discriminator() {
        return architecture.discriminator(options);
    }

    /** How parameters start ({@link GanArchitecture#defaultInit()}). */
    public Init init() {
        return architecture.defaultInit();
    }

    /** One latent vector, without the batch dimension: {@code (nz, 1, 1)} or {@code (nz)}. */
    public Shape latentShape() {
        return architecture.latentShape(options);
    }

    /** The generator's input for a batch of {@code n}. */
    public Shape latentShape(int n) {
        int[] d = latentShape().dims();
        int[] out = new int[d.length + 1];
        out[0] = n;
        System.arraycopy(d, 0, out, 1, d.length);
        return Shape.of(out);
    }

    /** One sample: {@code (C, H, W)} or {@code (2)}. */
    public Shape sampleShape() {
        return architecture.sampleShape(options);
    }

    /** Whether samples are images (else 2-D points). */
    public boolean isImage() {
        return architecture != GanArchitecture.MLP2D;
    }
}
