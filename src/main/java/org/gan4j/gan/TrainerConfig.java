package org.gan4j.gan;

/**
 * Everything a {@link GanTrainer} needs besides the networks, immutable and validated: every bad value throws an
 * {@link IllegalArgumentException} naming the field, the value and the valid range. Build with {@link #builder()}
 * (defaults are pytorch/examples dcgan's: batch 64, both learning rates 2e-4, Adam betas (0.5, 0.999)).
 *
 * @param batchSize          samples per step, {@code >= 2} (batch norm in training mode needs two values per channel)
 * @param lrD                discriminator learning rate, finite and {@code > 0}
 * @param lrG                generator learning rate, finite and {@code > 0}
 * @param beta1              Adam beta1 for both networks, in [0, 1)
 * @param beta2              Adam beta2 for both networks, in [0, 1)
 * @param dStepsPerGStep     k: discriminator steps per generator step, {@code >= 1} (the generator is updated on every
 *                           k-th step)
 * @param loss               the objective
 * @param labels             discriminator targets; for the cross-entropy losses every target must lie in [0, 1]
 * @param seed               key of the trainer's random stream (noise and labels)
 * @param metricsEvery       metrics are read to the host on every {@code metricsEvery}-th step, {@code >= 1}
 * @param collapseLossD      a read step with D loss below this counts towards the collapse warning, {@code >= 0}
 * @param collapseReadSteps  that many consecutive such read steps raise the warning (once), {@code >= 1}
 * @param emaDecay           decay of the exponential moving average of the generator's weights used for sampling,
 *                           evaluation and checkpoints ({@link WeightAverage}), in [0, 1); 0 turns it off
 * @param r1Gamma            weight gamma of the R1 penalty {@code gamma / 2 * E ||grad_x D(x)||^2} on real data
 *                           (Mescheder et al. 2018) added to D's loss, finite and {@code >= 0}; 0 turns it off
 */
public record TrainerConfig(int batchSize, float lrD, float lrG, float beta1, float beta2, int dStepsPerGStep,
        GanLoss loss, Labels labels, long seed, int metricsEvery, float collapseLossD, int collapseReadSteps,
        float emaDecay, float r1Gamma) {

    /** Validates every field. */
    public TrainerConfig {
        if (batchSize < 2) {
            throw new IllegalArgumentException("batchSize must be >= 2 (batch norm in training mode needs at least "
                    + "two samples), got " + batchSize);
        }
        checkRate("lrD", lrD);
        checkRate("lrG", lrG);
        checkBeta("beta1", beta1);
        checkBeta("beta2", beta2);
        if (dStepsPerGStep < 1) {
            throw new IllegalArgumentException("dStepsPerGStep must be >= 1, got " + dStepsPerGStep);
        }
        if (loss == null) {
            throw new IllegalArgumentException("loss must be one of NON_SATURATING, MINIMAX, LEAST_SQUARES, HINGE, got "
                    + "null");
        }
        if (labels == null) {
            throw new IllegalArgumentException("labels must not be null (use Labels.HARD for real 1, fake 0)");
        }
        if (loss.isCrossEntropy() && (labels.min() < 0f || labels.max() > 1f)) {
            throw new IllegalArgumentException("labels for the " + loss + " loss must keep every target in [0, 1] "
                    + "(binary cross-entropy), got targets from " + labels.min() + " to " + labels.max() + " ("
                    + labels + "); lower the noise or move the values");
        }
        if (loss == GanLoss.HINGE && !labels.equals(Labels.HARD)) {
            throw new IllegalArgumentException("the hinge loss takes hard labels only (real 1, fake 0, no noise or "
                    + "flips; its margin does the smoothing), got " + labels + "; drop the label options or choose "
                    + "another loss");
        }
                if (metricsEvery < 1) {
            throw new IllegalArgumentException("metricsEvery must be >= 1, got " + metricsEvery);
        }
        if (!(collapseLossD >= 0f && collapseLossD < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("collapseLossD must be a finite number >= 0, got " + collapseLossD);
        }
        if (collapseReadSteps < 1) {
            throw new IllegalArgumentException("collapseReadSteps must be >= 1, got " + collapseReadSteps);
        }
        if (!(emaDecay >= 0f && emaDecay < 1f)) {
            throw new IllegalArgumentException("emaDecay must be in [0, 1) (0: no averaging; typically 0.99 to "
                    + "0.9999), got " + emaDecay);
        }
        if (!(r1Gamma >= 0f && r1Gamma < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException("r1Gamma must be a finite number >= 0 (0: no R1 penalty; typically 0.1 "
                    + "to 10), got " + r1Gamma);
        }
    }

    /** Whether D's loss has the R1 penalty ({@link #r1Gamma()} {@code > 0}). */
    public boolean hasR1() {
        return r1Gamma > 0f;
    }

    /** Whether the generator's weights are averaged ({@link #emaDecay()} {@code > 0}). */
    public boolean averagesGenerator() {
        return emaDecay > 0f;
    }

    private static void checkRate(String name, float lr) {
        if (!(lr > 0f && lr < Float.POSITIVE_INFINITY)) {
            throw new IllegalArgumentException(name + " must be a finite number > 0 (typically 1e-4 to 1e-3), got "
                    + lr);
        }
    }

    private static void checkBeta(String name, float beta) {
        if (!(beta >= 0f && beta < 1f)) {
            throw new IllegalArgumentException(name + " must be in [0, 1), got " + beta);
        }
    }

    /** A builder holding the defaults. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder starting from this configuration. */
    public Builder toBuilder() {
        return new Builder().batchSize(batchSize).lrD(lrD).lrG(lrG).betas(beta1, beta2)
                .dStepsPerGStep(dStepsPerGStep).loss(loss).labels(labels).seed(seed).metricsEvery(metricsEvery)
                .collapseWarning(collapseLossD, collapseReadSteps).emaDecay(emaDecay).r1Gamma(r1Gamma);
    }

    /** Collects fields; {@link #build()} validates them. Defaults are listed on each setter. */
    public static final class Builder {
        private int batchSize = 64;
        private float lrD = 2e-4f;
        private float lrG = 2e-4f;
        private float beta1 = 0.5f;
        private float beta2 = 0.999f;
        private int dStepsPerGStep = 1;
        private GanLoss loss = GanLoss.NON_SATURATING;
        private Labels labels = Labels.HARD;
        private long seed = 0;
        private int metricsEvery = 1;
        private float collapseLossD = 0.01f;
        private int collapseReadSteps = 200;
        private float emaDecay = 0f;
        private float r1Gamma = 0f;

        private Builder() {
        }

        /** Default 64. */
        public Builder batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Sets both learning rates (default 2e-4). */
        public Builder lr(float lr) {
            this.lrD = lr;
            this.lrG = lr;
            return this;
        }

        /** Default 2e-4. */
        public Builder lrD(float lrD) {
            this.lrD = lrD;
            return this;
        }

        /** Default 2e-4. */
        public Builder lrG(float lrG) {
            this.lrG = lrG;
            return this;
        }

        /** Adam betas, default (0.5, 0.999). */
        public Builder betas(float beta1, float beta2) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            return this;
        }

        /** Adam beta1 alone, default 0.5. */
        public Builder beta1(float beta1) {
            this.beta1 = beta1;
            return this;
        }

        /** Adam beta2 alone, default 0.999. */
        public Builder beta2(float beta2) {
            this.beta2 = beta2;
            return this;
        }

        /** Default 1. */
        public Builder dStepsPerGStep(int k) {
            this.dStepsPerGStep = k;
            return this;
        }

        /** Default {@link GanLoss#NON_SATURATING}. */
        public Builder loss(GanLoss loss) {
            this.loss = loss;
            return this;
        }

        /** Default {@link Labels#HARD}. */
        public Builder labels(Labels labels) {
            this.labels = labels;
            return this;
        }

        /** Default 0. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Default 1 (every step). */
        public Builder metricsEvery(int metricsEvery) {
            this.metricsEvery = metricsEvery;
            return this;
        }

        /** Default: D loss below 0.01 for 200 consecutive read steps. */
        public Builder collapseWarning(float lossD, int readSteps) {
            this.collapseLossD = lossD;
            this.collapseReadSteps = readSteps;
            return this;
        }

        /** Default 0: no average of the generator's weights. */
        public Builder emaDecay(float emaDecay) {
            this.emaDecay = emaDecay;
            return this;
        }

        /** Default 0: no R1 penalty. */
        public Builder r1Gamma(float r1Gamma) {
            this.r1Gamma = r1Gamma;
            return this;
        }

        /** @throws IllegalArgumentException naming the first invalid field */
        public TrainerConfig build() {
            return new TrainerConfig(batchSize, lrD, lrG, beta1, beta2, dStepsPerGStep, loss, labels, seed,
                    metricsEvery, collapseLossD, collapseReadSteps, emaDecay, r1Gamma);
        }
    }
}
