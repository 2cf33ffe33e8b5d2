package org.gan4j.bench;

import org.gan4j.models.Dcgan28;
import org.gan4j.models.Dcgan64;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;

/**
 * A benchmarked network and batch size, written {@code model-batch} in JMH parameters: {@code dcgan28-64} is the
 * 28x28 DCGAN ({@link Dcgan28}) at batch 64, {@code dcgan64-512} the 64x64 DCGAN of pytorch/examples
 * ({@link Dcgan64}, nz 100, ngf = ndf = 64, 3 channels) at batch 512.
 *
 * @param model {@code dcgan28} or {@code dcgan64}
 * @param batch images per iteration
 */
public record GanConfig(String model, int batch) {
    /** Latent size of both networks. */
    public static final int NZ = 100;

    public GanConfig {
        if (!model.equals("dcgan28") && !model.equals("dcgan64")) {
            throw new IllegalArgumentException("unknown model '" + model + "': use dcgan28 or dcgan64");
        }
        if (batch < 2) {
            throw new IllegalArgumentException("batch must be >= 2 (batch norm needs it), got " + batch);
        }
    }

    /** Parses {@code model-batch}, e.g. {@code dcgan28-64}. */
    public static GanConfig parse(String s) {
        int dash = s.lastIndexOf('-');
        if (dash < 1) {
            throw new IllegalArgumentException("config must look like dcgan28-64 (model-batch), got '" + s + "'");
        }
        try {
            return new GanConfig(s.substring(0, dash), Integer.parseInt(s.substring(dash + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("config must look like dcgan28-64 (model-batch), got '" + s + "'", e);
        }
    }

    public Sequential generator() {
        return model.equals("dcgan28") ? Dcgan28.generator() : Dcgan64.generator(NZ, 64, 3);
    }

    public Sequential discriminator() {
        return model.equals("dcgan28") ? Dcgan28.discriminator() : Dcgan64.discriminator(64, 3);
    }

    /** G's input: {@code (N, 100)} for dcgan28, {@code (N, 100, 1, 1)} for dcgan64. */
    public Shape latentShape() {
        return model.equals("dcgan28") ? Shape.of(batch, NZ) : Shape.of(batch, NZ, 1, 1);
    }

    /** D's input: {@code (N, 1, 28, 28)} or {@code (N, 3, 64, 64)}. */
    public Shape imageShape() {
        return model.equals("dcgan28") ? Shape.of(batch, 1, 28, 28) : Shape.of(batch, 3, 64, 64);
    }

    @Override
    public String toString() {
        return model + "-" + batch;
    }
}
