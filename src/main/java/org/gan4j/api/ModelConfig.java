package org.gan4j.api;

import java.util.Locale;

import org.gan4j.models.Dcgan28;
import org.gan4j.models.Dcgan64;
import org.gan4j.models.Mlp2d;
import org.gan4j.nn.Init;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;

/**
 * Which networks a run trains: an architecture and its options. Saved in every checkpoint (metadata {@code model})
 * so that {@link GanSampler} and resume rebuild the same networks. Immutable.
 *
 * <ul>
 * <li>{@code dcgan64}: {@link Dcgan64}, the pytorch/examples DCGAN; options latent size (nz, default 100),
 * generator width (ngf, 64), discriminator width (ndf, 64), channels (nc, 3). Latent {@code (N, nz, 1, 1)}, samples
 * {@code (nc, 64, 64)}.</li>
 * <li>{@code dcgan28}: {@link Dcgan28} for 28x28 grey images; fixed widths, nz 100, 1 channel. Latent
 * {@code (N, 100)}, samples {@code (1, 28, 28)}.</li>
 * <li>{@code mlp2d}: {@link Mlp2d} on 2-D points; options latent size (default 2), hidden width (both networks,
 * default 128), depth (hidden layers, default 3). Latent {@code (N, nz)}, samples {@code (2)}.</li>
 * </ul>
 *
 * @param architecture    {@code dcgan64}, {@code dcgan28} or {@code mlp2d}
 * @param latentSize      nz
 * @param generatorWidth  ngf (dcgan64) or hidden width (mlp2d); 0 where unused
 * @param discriminatorWidth ndf (dcgan64); 0 where unused
 * @param channels        image channels (1 or 3); 0 for mlp2d
 * @param depth           hidden layers (mlp2d); 0 where unused
 */
public record ModelConfig(String architecture, int latentSize, int generatorWidth, int discriminatorWidth,
        int channels, int depth) {
    /** Names {@link #of} accepts. */
    public static final String NAMES = "dcgan64, dcgan28, mlp2d";

    /** Validates every option for its architecture. */
    public ModelConfig {
        if (architecture == null) {
            throw new IllegalArgumentException("architecture must not be null; choose one of " + NAMES);
        }
        switch (architecture) {
            case "dcgan64" -> {
                positive("latent size", latentSize);
                positive("generator width (ngf)", generatorWidth);
                positive("discriminator width (ndf)", discriminatorWidth);
                if (channels != 1 && channels != 3) {
                    throw new IllegalArgumentException("dcgan64 needs 1 or 3 channels, got " + channels);
                }
            }
            case "dcgan28" -> {
                if (latentSize != Dcgan28.NZ || channels != 1) {
                    throw new IllegalArgumentException("dcgan28 has fixed nz " + Dcgan28.NZ
                            + " and 1 channel, got nz " + latentSize + ", channels " + channels);
                }
            }
            case "mlp2d" -> {
                positive("latent size", latentSize);
                positive("hidden width", generatorWidth);
                positive("depth", depth);
            }
            default -> throw new IllegalArgumentException("unknown model '" + architecture + "'; choose one of "
                    + NAMES);
        }
    }

    private static void positive(String what, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be >= 1, got " + v);
        }
    }

    /** The default options of an architecture, by name (case-insensitive). */
    public static ModelConfig of(String name) {
        String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
        return switch (n) {
            case "dcgan64" -> new ModelConfig(n, 100, 64, 64, 3, 0);
            case "dcgan28" -> new ModelConfig(n, Dcgan28.NZ, 0, 0, 1, 0);
            case "mlp2d" -> new ModelConfig(n, 2, 128, 0, 0, 3);
            default -> throw new IllegalArgumentException("unknown model '" + name + "'; choose one of " + NAMES);
        };
    }

    /** dcgan64 with these options. */
    public static ModelConfig dcgan64(int nz, int ngf, int ndf, int channels) {
        return new ModelConfig("dcgan64", nz, ngf, ndf, channels, 0);
    }

    /** mlp2d with these options. */
    public static ModelConfig mlp2d(int nz, int hidden, int depth) {
        return new ModelConfig("mlp2d", nz, hidden, 0, 0, depth);
    }

    /** A new generator network (configuration only; wrap it in a {@link org.gan4j.nn.Model}). */
    public Sequential generator() {
        return switch (architecture) {
            case "dcgan64" -> Dcgan64.generator(latentSize, generatorWidth, channels);
            case "dcgan28" -> Dcgan28.generator();
            default -> Mlp2d.generator(latentSize, generatorWidth, depth);
        };
    }

    /** A new discriminator network, ending in logits {@code (N, 1)}. */
    public Sequential discriminator() {
        return switch (architecture) {
            case "dcgan64" -> Dcgan64.discriminator(discriminatorWidth, channels);
            case "dcgan28" -> Dcgan28.discriminator();
            default -> Mlp2d.discriminator(generatorWidth, depth);
        };
    }

    /** How parameters start: DCGAN's N(0, 0.02) for the convolutional models, PyTorch's default for the MLPs. */
    public Init init() {
        return isImage() ? Init.DCGAN : Init.PYTORCH_DEFAULT;
    }

    /** The generator's input for a batch of {@code n}. */
    public Shape latentShape(int n) {
        return architecture.equals("dcgan64") ? Shape.of(n, latentSize, 1, 1) : Shape.of(n, latentSize);
    }

    /** One sample: {@code (C, H, W)} or {@code (2)}. */
    public Shape sampleShape() {
        return switch (architecture) {
            case "dcgan64" -> Shape.of(channels, 64, 64);
            case "dcgan28" -> Shape.of(1, 28, 28);
            default -> Shape.of(2);
        };
    }

    /** Whether samples are images (else 2-D points). */
    public boolean isImage() {
        return !architecture.equals("mlp2d");
    }
}
