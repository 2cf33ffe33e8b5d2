package org.gan4j.api;

import java.nio.file.Path;
import java.util.Objects;

import org.gan4j.backend.Precision;
import org.gan4j.gan.GanLoss;
import org.gan4j.gan.Labels;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Checkpoint;

/**
 * Everything a {@link GanTraining} run needs: networks, data, the trainer's hyper-parameters, how long, where and on
 * what it runs. Saved in every checkpoint (metadata {@code training}) so that a run resumes with the same settings.
 * Immutable; build with {@link #builder()}.
 *
 * @param model           architecture and options
 * @param dataset         the training data
 * @param trainer         batch size, learning rates, Adam betas, loss, labels, seed, D steps per G step
 * @param epochs          passes over the data; used when {@code steps} is 0
 * @param steps           total steps (discriminator updates), or 0 to train {@code epochs} epochs
 * @param backend         {@code auto}, {@code cpu} or {@code cuda}
 * @param threads         CPU threads, or 0 for every processor
 * @param output          the run folder (samples/, checkpoints/, metrics.csv, losses.png, summary.json)
 * @param checkpointEvery write a checkpoint every this many steps, or 0 for one at the end of each epoch; a final
 *                        one is always written
 * @param keepCheckpoints how many of the newest checkpoints to keep, {@code >= 1}
 * @param lrSchedule      how the learning rates change over the run (relative to its total steps); may change on
 *                        resume
 * @param precision       the arithmetic ({@link Precision}): TF32 by default (FP32 on the CPU), FP32, or BF16 mixed
 *                        precision (on the CPU an emulation, slow); may change on resume
 */
public record TrainingConfig(ModelConfig model, DatasetConfig dataset, TrainerConfig trainer, int epochs, long steps,
        String backend, int threads, Path output, long checkpointEvery, int keepCheckpoints, LrSchedule lrSchedule,
        Precision precision) {

    /** Validates the fields (the trainer's are validated by {@link TrainerConfig}). */
    public TrainingConfig {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(dataset, "dataset");
        Objects.requireNonNull(trainer, "trainer");
        Objects.requireNonNull(output, "output");
        Objects.requireNonNull(lrSchedule, "lrSchedule (LrSchedule.CONSTANT for none)");
        Objects.requireNonNull(precision, "precision (Precision.TF32 is the default)");
        if (steps < 0) {
            throw new IllegalArgumentException("steps must be >= 0 (0: train by epochs), got " + steps);
        }
        if (steps == 0 && epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1 when steps is not given, got " + epochs);
        }
        if (!"auto".equals(backend) && !"cpu".equals(backend) && !"cuda".equals(backend)) {
            throw new IllegalArgumentException("backend must be auto, cpu or cuda, got '" + backend + "'");
        }
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be >= 0 (0: every processor), got " + threads);
        }
        if (checkpointEvery < 0) {
            throw new IllegalArgumentException("checkpoint interval must be >= 0 steps (0: every epoch), got "
                    + checkpointEvery);
        }
        if (keepCheckpoints < 1) {
            throw new IllegalArgumentException("keep-checkpoints must be >= 1, got " + keepCheckpoints);
        }
        for (boolean generator : new boolean[] {true, false}) {
            long values = Checkpoint.stateValues(generator ? model.generator() : model.discriminator());
            if (values > Checkpoint.MAX_PARAMETERS) {
                throw new IllegalArgumentException("model " + model.name() + ": its " + (generator ? "generator"
                        : "discriminator") + " would have " + values + " parameters and buffers, more than the "
                        + Checkpoint.MAX_PARAMETERS + " (2^28) a gan4j checkpoint holds; use a smaller width, depth"
                        + " or latent size");
            }
        }
        int pack = model.options().pack();
        if (trainer.batchSize() % pack != 0) {
            throw new IllegalArgumentException("batch size " + trainer.batchSize() + " is not a multiple of pack "
                    + pack + " (PacGAN: D judges " + pack + " samples at once); choose a batch size divisible by "
                    + pack + " or another pack");
        }
    }

    /**
     * A builder with the defaults: dcgan28 on Fashion-MNIST, 1 epoch, pytorch/examples hyper-parameters (both learning
     * rates 2e-4, batch 64, no average of G). {@code gan4j train}'s recipes ({@link Recipes#forDataset}) differ: the
     * dcgan28 one trains G at {@value Recipes#DCGAN28_LR_G} with batch {@value Recipes#DCGAN28_BATCH} and averages G's
     * weights (decay {@value Recipes#DCGAN28_EMA}).
     */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding this configuration. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model;
        b.dataset = dataset;
        b.trainer = trainer.toBuilder();
        b.epochs = epochs;
        b.steps = steps;
        b.backend = backend;
        b.threads = threads;
        b.output = output;
        b.checkpointEvery = checkpointEvery;
        b.keepCheckpoints = keepCheckpoints;
        b.lrSchedule = lrSchedule;
        b.precision = precision;
        return b;
    }

    /**
     * Builds a {@link TrainingConfig}; every setter returns the builder. The trainer's settings can be given whole
     * ({@link #trainer}) or one by one (batch size, learning rates, ...: the setters below change only that setting);
     * everything is validated once, by {@link #build()} (labels by {@link #labels} at once). Not thread-safe.
     */
    public static final class Builder {
        private ModelConfig model = ModelConfig.of("dcgan28");
        private DatasetConfig dataset = DatasetConfig.fashionMnist();
        private TrainerConfig.Builder trainer = TrainerConfig.builder();
        private int epochs = 1;
        private long steps;
        private String backend = "auto";
        private int threads;
        private Path output = Path.of("runs", "run");
        private long checkpointEvery;
        private int keepCheckpoints = 3;
        private LrSchedule lrSchedule = LrSchedule.CONSTANT;
        private Precision precision = Precision.TF32;

        private Builder() {
        }

        public Builder model(ModelConfig model) {
            this.model = model;
            return this;
        }

        public Builder dataset(DatasetConfig dataset) {
            this.dataset = dataset;
            return this;
        }

        /** The trainer's hyper-parameters (see {@link TrainerConfig#builder()}), replacing any set one by one. */
        public Builder trainer(TrainerConfig trainer) {
            this.trainer = trainer.toBuilder();
            return this;
        }

        /** Samples per step (default 64). */
        public Builder batchSize(int batchSize) {
            trainer.batchSize(batchSize);
            return this;
        }

        /** The discriminator's Adam learning rate (default 2e-4). */
        public Builder lrD(float lr) {
            trainer.lrD(lr);
            return this;
        }

        /** The generator's Adam learning rate (default 2e-4). */
        public Builder lrG(float lr) {
            trainer.lrG(lr);
            return this;
        }

        /** Adam beta1 of both networks (default 0.5). */
        public Builder beta1(float beta1) {
            trainer.beta1(beta1);
            return this;
        }

        /** Adam beta2 of both networks (default 0.999). */
        public Builder beta2(float beta2) {
            trainer.beta2(beta2);
            return this;
        }

        /** Discriminator steps per generator step (default 1). */
        public Builder discriminatorSteps(int k) {
            trainer.dStepsPerGStep(k);
            return this;
        }

        /** The objective by name: non-saturating (default), minimax or least-squares. */
        public Builder loss(String name) {
            trainer.loss(GanLoss.parse(name));
            return this;
        }

        /**
         * The discriminator's targets: {@code real} and {@code fake} values, uniform noise of half-width
         * {@code noise} on each, and the probability {@code flip} of swapping one (default 1, 0, 0, 0).
         */
        public Builder labels(float real, float fake, float noise, float flip) {
            trainer.labels(new Labels(real, fake, noise, flip));
            return this;
        }

        /** Seed of initialisation, noise, labels and shuffling (default 0). */
        public Builder seed(long seed) {
            trainer.seed(seed);
            return this;
        }

        /** Read metrics to the host on every n-th step (default 1). */
        public Builder metricsEvery(int n) {
            trainer.metricsEvery(n);
            return this;
        }

        /** The decay of the generator's weight average, 0 for none (see {@link TrainerConfig#emaDecay()}). */
        public Builder emaDecay(float decay) {
            trainer.emaDecay(decay);
            return this;
        }

        /** The weight of the R1 penalty on D, 0 for none (see {@link TrainerConfig#r1Gamma()}). */
        public Builder r1Gamma(float gamma) {
            trainer.r1Gamma(gamma);
            return this;
        }

        public Builder epochs(int epochs) {
            this.epochs = epochs;
            this.steps = 0;
            return this;
        }

        public Builder steps(long steps) {
            this.steps = steps;
            return this;
        }

        public Builder backend(String backend) {
            this.backend = backend;
            return this;
        }

        public Builder threads(int threads) {
            this.threads = threads;
            return this;
        }

        public Builder output(Path output) {
            this.output = output;
            return this;
        }

        public Builder checkpointEvery(long steps) {
            this.checkpointEvery = steps;
            return this;
        }

        public Builder keepCheckpoints(int keep) {
            this.keepCheckpoints = keep;
            return this;
        }

        /** Default {@link LrSchedule#CONSTANT}. */
        public Builder lrSchedule(LrSchedule schedule) {
            this.lrSchedule = schedule;
            return this;
        }

        /** Default {@link Precision#TF32} (FP32 on the CPU). */
        public Builder precision(Precision precision) {
            this.precision = precision;
            return this;
        }

        public TrainingConfig build() {
            return new TrainingConfig(model, dataset, trainer.build(), epochs, steps, backend, threads, output,
                    checkpointEvery, keepCheckpoints, lrSchedule, precision);
        }
    }
}
