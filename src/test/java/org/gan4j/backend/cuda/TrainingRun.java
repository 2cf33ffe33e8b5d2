package org.gan4j.backend.cuda;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.gan4j.backend.Backend;
import org.gan4j.gan.GanLoss;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.Labels;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.models.GanArchitecture;
import org.gan4j.nn.Model;

/**
 * A short training run used by the GPU training tests, DCGAN28 unless a {@link Setup} says otherwise: models
 * initialised from a fixed seed on the host (the same values on every backend), the trainer's Philox stream keyed by a
 * fixed seed (the same noise and labels on every backend), and real batches that depend only on the step number.
 * Metrics are read every step.
 */
final class TrainingRun implements AutoCloseable {
    static final int BATCH = 64;

    /**
     * What a run trains: the architecture with its options (spectral norm, packing, classes), the trainer's
     * configuration (loss, average of G, R1) and a learning-rate schedule over {@code scheduleSteps} steps (applied
     * as {@code GanTraining} does, before each step).
     */
    record Setup(String name, GanArchitecture arch, GanArchitecture.Options options, TrainerConfig config,
            LrSchedule schedule, long scheduleSteps) {
        /** The DCGAN28 of {@code classes} classes with label smoothing, flips and noise (the targets draw too). */
        static Setup dcgan28(int classes) {
            return new Setup(classes > 0 ? "conditional DCGAN28" : "DCGAN28", GanArchitecture.DCGAN28,
                    GanArchitecture.DCGAN28.defaults().withClasses(classes), TrainerConfig.builder().batchSize(BATCH)
                    .lr(2e-4f).betas(0.5f, 0.999f).seed(42).labels(new Labels(0.9f, 0.05f, 0.05f, 0.05f))
                    .metricsEvery(1).build(), LrSchedule.CONSTANT, 1);
        }

        /** The mixture recipe's mlp2d (128 units, 3 hidden layers, hinge, Adam (0, 0.9), lr 1e-3) at batch 128. */
        static Setup mlp2d() {
            return new Setup("mlp2d", GanArchitecture.MLP2D, GanArchitecture.MLP2D.defaults(),
                    TrainerConfig.builder().batchSize(128).lr(1e-3f).betas(0f, 0.9f).loss(GanLoss.HINGE).seed(42)
                    .metricsEvery(1).build(), LrSchedule.CONSTANT, 1);
        }

        Setup named(String suffix) {
            return new Setup(name + ", " + suffix, arch, options, config, schedule, scheduleSteps);
        }

        Setup with(GanArchitecture.Options o) {
            return new Setup(name, arch, o, config, schedule, scheduleSteps);
        }

        Setup with(TrainerConfig c) {
            return new Setup(name, arch, options, c, schedule, scheduleSteps);
        }

        Setup with(LrSchedule s, long steps) {
            return new Setup(name, arch, options, config, s, steps);
        }
    }

    final Backend backend;
    final Model generator;
    final Model discriminator;
    final GanTrainer trainer;
    private final Setup setup;

    TrainingRun(Backend backend) {
        this(backend, 0);
    }

    /** Class-conditional with {@code classes > 0} (labels {@code (s + n) % classes} for sample n of step s). */
    TrainingRun(Backend backend, int classes) {
        this(backend, Setup.dcgan28(classes));
    }

    TrainingRun(Backend backend, Setup setup) {
        this.backend = backend;
        this.setup = setup;
        GanArchitecture a = setup.arch();
        generator = new Model(backend, a.generator(setup.options()), 11).initialize(a.defaultInit(), 5);
        discriminator = new Model(backend, a.discriminator(setup.options()), 12).initialize(a.defaultInit(), 6);
        trainer = new GanTrainer(backend, generator, discriminator, a.latentShape(setup.options()), setup.config());
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
            out.add(step(s));
        }
        return out;
    }

    /**
     * Step {@code s} (1-based) of the setup: the schedule's factor for it, the real batch of step s (and its labels
     * {@code (s + n) % classes} for sample n of a conditional model), one trainer step.
     */
    StepMetrics step(int s) {
        if (setup.schedule() != LrSchedule.CONSTANT) {
            trainer.scaleLearningRates(setup.schedule().factor(s - 1, setup.scheduleSteps()));
        }
        int batch = setup.config().batchSize();
        backend.copyFromHost(setup.arch() == GanArchitecture.MLP2D ? realPoints(s, batch) : realBatch(s),
                trainer.realInput());
        int classes = setup.options().classes();
        if (classes > 0) {
            int[] labels = new int[batch];
            for (int n = 0; n < batch; n++) {
                labels[n] = (s + n) % classes;
            }
            trainer.setLabels(labels);
        }
        return trainer.step();
    }

    /**
     * Real points of step {@code s}: {@code batch} points of the 5 x 5 grid of Gaussians (std 0.05, spacing 2 around
     * the origin: the grid dataset's scale), from a generator seeded by s alone.
     */
    static float[] realPoints(int s, int batch) {
        SplittableRandom r = new SplittableRandom(2000 + s);
        float[] x = new float[batch * 2];
        for (int n = 0; n < batch; n++) {
            x[2 * n] = (float) (2 * (r.nextInt(5) - 2) + 0.05 * gaussian(r));
            x[2 * n + 1] = (float) (2 * (r.nextInt(5) - 2) + 0.05 * gaussian(r));
        }
        return x;
    }

    /** A standard normal value (Box-Muller) from {@code r}. */
    private static double gaussian(SplittableRandom r) {
        return Math.sqrt(-2 * Math.log(1 - r.nextDouble())) * Math.cos(2 * Math.PI * r.nextDouble());
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
