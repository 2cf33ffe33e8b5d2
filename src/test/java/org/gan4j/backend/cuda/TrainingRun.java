package org.gan4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.Labels;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Model;

/**
 * A short DCGAN28 training run used by the GPU training tests: models initialised from a fixed seed on the host
 * (the same values on every backend), the trainer's Philox stream keyed by a fixed seed (the same noise and labels
 * on every backend), and real batches that depend only on the step number. Metrics are read every step.
 */
final class TrainingRun implements AutoCloseable {
    static final int BATCH = 64;
    private static final GanArchitecture ARCH = GanArchitecture.DCGAN28;

    final Backend backend;
    final Model generator;
    final Model discriminator;
    final GanTrainer trainer;
    private final int classes;

    TrainingRun(Backend backend) {
        this(backend, 0);
    }

    /** Class-conditional with {@code classes > 0} (labels {@code (s + n) % classes} for sample n of step s). */
    TrainingRun(Backend backend, int classes) {
        this.backend = backend;
        this.classes = classes;
        GanArchitecture.Options o = ARCH.defaults().withClasses(classes);
        generator = new Model(backend, ARCH.generator(o), 11).initialize(ARCH.defaultInit(), 5);
        discriminator = new Model(backend, ARCH.discriminator(o), 12).initialize(ARCH.defaultInit(), 6);
        // label smoothing, flips and noise: the targets draw from the trainer's stream too
        TrainerConfig config = TrainerConfig.builder().batchSize(BATCH).lr(2e-4f).betas(0.5f, 0.999f).seed(42)
                .labels(new Labels(0.9f, 0.05f, 0.05f, 0.05f)).metricsEvery(1).build();
        trainer = new GanTrainer(backend, generator, discriminator, ARCH.latentShape(), config);
    }

    /** Steps 1..steps on the deterministic real batches, the metrics of each. */
    List<StepMetrics> run(int steps) {
        return run(steps, false);
    }

    /**
     * As {@link #run(int)}; with {@code decay}, both learning rates are scaled before step s by 1 - (s - 1) / (2
     * steps) (a linear schedule that changes them every step).
     */
    List<StepMetrics> run(int steps, boolean decay) {
        List<StepMetrics> out = new ArrayList<>();
        for (int s = 1; s <= steps; s++) {
            if (decay) {
                trainer.scaleLearningRates(1 - (s - 1) / (2.0 * steps));
            }
            backend.copyFromHost(realBatch(s), trainer.realInput());
            if (classes > 0) {
                int[] labels = new int[BATCH];
                for (int n = 0; n < BATCH; n++) {
                    labels[n] = (s + n) % classes;
                }
                trainer.setLabels(labels);
            }
            out.add(trainer.step());
        }
        return out;
    }

    /**
     * Real batch of step {@code s}: a bright disc of random centre and radius on a dark background per image, values
     * in [-1, 1] (MNIST-like statistics), from a generator seeded by s alone.
     */
    static float[] realBatch(int s) {
        SplittableRandom r = new SplittableRandom(1000 + s);
        float[] x = new float[BATCH * 28 * 28];
        for (int n = 0; n < BATCH; n++) {
            double cy = r.nextDouble(8, 20);
            double cx = r.nextDouble(8, 20);
            double radius = r.nextDouble(3, 8);
            for (int i = 0; i < 28; i++) {
                for (int j = 0; j < 28; j++) {
                    double d = Math.hypot(i - cy, j - cx);
                    x[n * 784 + i * 28 + j] = (float) (d < radius ? 1 - 0.1 * r.nextDouble() : -1);
                }
            }
        }
        return x;
    }

    /** The metrics of one step as numbers, in a fixed order with their names. */
    static final String[] NAMES = {"lossD", "lossG", "D(x)", "D(G(z)) before", "D(G(z)) after", "|grad D|",
        "|grad G|"};

    static double[] values(StepMetrics m) {
        return new double[] {m.lossD(), m.lossG(), m.dReal(), m.dFakeBefore(), m.dFakeAfter(), m.gradNormD(),
            m.gradNormG()};
    }

    @Override
    public void close() {
        trainer.close();
        generator.close();
        discriminator.close();
    }
}
