package org.gan4j.api;

import java.nio.file.Path;

import org.gan4j.gan.Labels;
import org.gan4j.gan.TrainerConfig;

/** Tiny, fast training configurations for the tests (single CPU thread so runs are cheap on a busy machine). */
final class Runs {
    private Runs() {
    }

    /** A small MLP GAN on the 8-Gaussian ring: batch 32, 640 points (20 steps per epoch). */
    static TrainingConfig.Builder ring(Path out, long steps) {
        return TrainingConfig.builder()
                .model(ModelConfig.mlp2d(2, 16, 2))
                .dataset(DatasetConfig.ring(640))
                .trainer(TrainerConfig.builder().batchSize(32).lr(1e-3f).seed(11).build())
                .steps(steps).backend("cpu").threads(1).output(out);
    }

    /** dcgan28 on 96 synthetic 28x28 shapes, batch 8 (12 steps per epoch), label noise on to use the random stream. */
    static TrainingConfig.Builder shapes(Path out, long steps) {
        return TrainingConfig.builder()
                .model(ModelConfig.of("dcgan28"))
                .dataset(DatasetConfig.synthetic(96))
                .trainer(TrainerConfig.builder().batchSize(8).seed(5)
                        .labels(new Labels(0.9f, 0.05f, 0.05f, 0.05f)).build())
                .steps(steps).backend("cpu").threads(1).output(out);
    }
}
