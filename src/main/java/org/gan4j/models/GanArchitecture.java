package org.gan4j.models;

import java.util.Locale;

import org.gan4j.nn.Init;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;

/**
 * The catalogue of GAN architectures gan4j ships, by name, with their latent and sample shapes and initialisation:
 *
 * <table>
 * <caption>architectures</caption>
 * <tr><th>name</th><th>latent (per sample)</th><th>sample</th><th>init</th><th>sizes ({@link Options})</th></tr>
 * <tr><td>{@code dcgan64}</td><td>(nz, 1, 1)</td><td>(channels, 64, 64)</td><td>DCGAN</td>
 *     <td>nz 100, ngf 64, ndf 64, channels 3 (pytorch/examples dcgan), all configurable; see {@link Dcgan64}</td></tr>
 * <tr><td>{@code dcgan28}</td><td>(100)</td><td>(1, 28, 28)</td><td>DCGAN</td>
 *     <td>fixed (benchmarked against PyTorch layer for layer); see {@link Dcgan28}</td></tr>
 * <tr><td>{@code mlp2d}</td><td>(nz)</td><td>(2)</td><td>PyTorch default</td>
 *     <td>nz 2, hidden 128 for G and D, depth 3 hidden layers, all configurable; see {@link Mlp2d}</td></tr>
 * </table>
 *
 * <p>The {@code mlp2d} defaults are the ones that pass the 2-D ring test (8 Gaussians of std 0.01 on the unit
 * circle: at least 7 of 8 modes and 80% of points within 3 std of a mode), see {@code GanTrainerRingTest}.
 * Builders return fresh, unallocated layers; wrap each in a {@link org.gan4j.nn.Model} and initialise it with
 * {@link #defaultInit()}.
 */
public enum GanArchitecture {
    /** The DCGAN of pytorch/examples for 64x64 images. */
    DCGAN64(new Options(100, 64, 64, 3, 4, false, 1, 0)),
    /** A DCGAN for 28x28 single-channel images (MNIST). */
    DCGAN28(new Options(Dcgan28.NZ, 128, 128, 1, 2, false, 1, 0)),
    /** MLPs for 2-D points (Gaussian mixtures). */
    MLP2D(new Options(2, 128, 128, 2, 3, false, 1, 0));

    /**
     * Sizes of an architecture. Which fields apply:
     * {@code dcgan64}: nz, generatorWidth = ngf, discriminatorWidth = ndf, channels (depth is fixed at 4 up-sampling
     * stages); {@code dcgan28}: none, all must equal the defaults; {@code mlp2d}: nz, generatorWidth and
     * discriminatorWidth = hidden units of G and D, depth = hidden layers of each (channels is the 2 coordinates).
     * Every architecture takes spectralNorm and pack, which change the discriminator only.
     *
     * @param nz                 latent size, {@code >= 1}
     * @param generatorWidth     ngf or G's hidden units, {@code >= 1}
     * @param discriminatorWidth ndf or D's hidden units, {@code >= 1}
     * @param channels           image channels (dcgan64)
     * @param depth              hidden layers (mlp2d)
     * @param spectralNorm       spectral normalisation of every Linear and Conv2d weight of D (Miyato et al. 2018)
     * @param pack               PacGAN packing: D judges this many samples at once ({@link org.gan4j.nn.Pack}),
     *                           {@code >= 1}; the batch size must be a multiple of it
     * @param classes            class-conditional model of this many classes (a class embedding in G, a projection
     *                           discriminator; see {@link Dcgan28}), the DCGANs only; 0: unconditional
     */
    public record Options(int nz, int generatorWidth, int discriminatorWidth, int channels, int depth,
            boolean spectralNorm, int pack, int classes) {
        /** Every count must be at least 1. */
        public Options {
            int[] v = {nz, generatorWidth, discriminatorWidth, channels, depth, pack};
            String[] n = {"nz", "generatorWidth", "discriminatorWidth", "channels", "depth", "pack"};
            for (int i = 0; i < v.length; i++) {
                if (v[i] < 1) {
                    throw new IllegalArgumentException(n[i] + " must be >= 1, got " + v[i]);
                }
            }
            if (classes < 0 || classes > 256) {
                throw new IllegalArgumentException("classes must be 0 (unconditional) or 1 to 256, got " + classes);
            }
            if (classes > 0 && pack > 1) {
                throw new IllegalArgumentException("a class-conditional model cannot pack samples (PacGAN): D judges"
                        + " each sample against its own class; drop --pack or --conditional");
            }
        }

        /** Unconditional (classes 0). */
        public Options(int nz, int generatorWidth, int discriminatorWidth, int channels, int depth,
                boolean spectralNorm, int pack) {
            this(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, 0);
        }

        public Options withNz(int nz) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        /** ngf and ndf for the DCGANs, hidden units of G and D for the MLPs. */
        public Options withWidths(int generatorWidth, int discriminatorWidth) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        public Options withChannels(int channels) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        public Options withDepth(int depth) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        /** With or without spectral normalisation in D. */
        public Options withSpectralNorm(boolean spectralNorm) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        /** D judging {@code pack} samples at once. */
        public Options withPack(int pack) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        /** Class-conditional with {@code classes} classes (0: unconditional). */
        public Options withClasses(int classes) {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, spectralNorm, pack, classes);
        }

        /** Whether the model is class-conditional. */
        public boolean conditional() {
            return classes > 0;
        }

        /** The sizes only, with spectralNorm, pack and classes at their defaults (off, 1, 0). */
        Options sizes() {
            return new Options(nz, generatorWidth, discriminatorWidth, channels, depth, false, 1, 0);
        }
    }

    private final Options defaults;

    GanArchitecture(Options defaults) {
        this.defaults = defaults;
    }

    /** The default sizes (see the table above). */
    public Options defaults() {
        return defaults;
    }

    /** The name used on the command line: {@code dcgan64}, {@code dcgan28}, {@code mlp2d}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The architecture called {@code name} (case-insensitive, e.g. {@code "dcgan64"}). */
    public static GanArchitecture parse(String name) {
        if (name != null) {
            for (GanArchitecture a : values()) {
                if (a.cliName().equalsIgnoreCase(name.trim())) {
                    return a;
                }
            }
        }
        throw new IllegalArgumentException("unknown architecture '" + name + "'; expected one of dcgan64, dcgan28, "
                + "mlp2d");
    }

    /** The generator with the default sizes. */
    public Sequential generator() {
        return generator(defaults);
    }

    /** The generator: latent {@code (N, latentShape...)} to samples {@code (N, sampleShape...)}. */
    public Sequential generator(Options o) {
        check(o);
        return switch (this) {
            case DCGAN64 -> Dcgan64.generator(o.nz(), o.generatorWidth(), o.channels(), o.classes());
            case DCGAN28 -> Dcgan28.generator(o.classes());
            case MLP2D -> Mlp2d.generator(o.nz(), o.generatorWidth(), o.depth());
        };
    }

    /** The discriminator with the default sizes. */
    public Sequential discriminator() {
        return discriminator(defaults);
    }

    /**
     * The discriminator: samples {@code (N, sampleShape...)} to logits {@code (N, 1)}, or {@code (N / pack, 1)} with
     * packing.
     */
    public Sequential discriminator(Options o) {
        check(o);
        return switch (this) {
            case DCGAN64 -> Dcgan64.discriminator(o.discriminatorWidth(), o.channels(), o.spectralNorm(), o.pack(),
                    o.classes());
            case DCGAN28 -> Dcgan28.discriminator(o.spectralNorm(), o.pack(), o.classes());
            case MLP2D -> Mlp2d.discriminator(o.discriminatorWidth(), o.depth(), o.spectralNorm(), o.pack());
        };
    }

    /** One latent vector's shape with the default sizes. */
    public Shape latentShape() {
        return latentShape(defaults);
    }

    /** One latent vector's shape (no batch dimension): (nz, 1, 1) for dcgan64, (nz) otherwise. */
    public Shape latentShape(Options o) {
        check(o);
        return this == DCGAN64 ? Shape.of(o.nz(), 1, 1) : Shape.of(o.nz());
    }

    /** One sample's shape with the default sizes. */
    public Shape sampleShape() {
        return sampleShape(defaults);
    }

    /** One sample's shape (no batch dimension): (channels, 64, 64), (1, 28, 28) or (2). */
    public Shape sampleShape(Options o) {
        check(o);
        return switch (this) {
            case DCGAN64 -> Shape.of(o.channels(), 64, 64);
            case DCGAN28 -> Shape.of(1, 28, 28);
            case MLP2D -> Shape.of(2);
        };
    }

    /** {@link Init#DCGAN} for the DCGANs (as pytorch/examples' {@code weights_init}), PyTorch's default for mlp2d. */
    public Init defaultInit() {
        return this == MLP2D ? Init.PYTORCH_DEFAULT : Init.DCGAN;
    }

    private void check(Options o) {
        if (o == null) {
            throw new IllegalArgumentException("options must not be null (use " + name() + ".defaults())");
        }
        if (this == DCGAN28 && !o.sizes().equals(defaults)) {
            throw new IllegalArgumentException("dcgan28 has fixed sizes " + defaults + ", got " + o);
        }
        if (this == DCGAN64 && o.depth() != defaults.depth()) {
            throw new IllegalArgumentException("dcgan64 has a fixed depth of 4 up-sampling stages, got depth "
                    + o.depth());
        }
        if (this == DCGAN64 && o.channels() != 1 && o.channels() != 3) {
            throw new IllegalArgumentException("dcgan64 makes grey or RGB images: channels must be 1 or 3, got "
                    + o.channels());
        }
        if (this == MLP2D && o.classes() != 0) {
            throw new IllegalArgumentException("mlp2d has no class-conditional variant; --conditional needs dcgan28"
                    + " or dcgan64");
        }
        if (this == MLP2D && o.channels() != 2) {
            throw new IllegalArgumentException("mlp2d works on 2-D points: channels must be 2, got " + o.channels());
        }
    }
}
