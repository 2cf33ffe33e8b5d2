package org.gan4j.gan;

/**
 * Receives what a {@link GanTrainer} observes, on the thread that calls {@link GanTrainer#step()}. Both methods do
 * nothing by default.
 */
public interface TrainingListener {
    /** Metrics of a step whose values were read to the host (every {@code metricsEvery} steps). */
    default void onStep(StepMetrics metrics) {
    }

    /** A problem worth a human's attention that does not stop training, e.g. a collapsing discriminator loss. */
    default void onWarning(String message) {
    }
}
