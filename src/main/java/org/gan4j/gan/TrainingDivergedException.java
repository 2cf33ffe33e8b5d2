package org.gan4j.gan;

/**
 * Thrown by {@link GanTrainer#step()} when a metric it read is not finite (NaN or infinite): the networks have
 * diverged and further steps would only spread the NaN. The message names the value, the step and what to try.
 */
public final class TrainingDivergedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String metric;
    private final long step;
    private final float value;

    public TrainingDivergedException(String metric, long step, float value) {
        super("training diverged: " + metric + " is " + value + " at step " + step + "; try a lower learning rate, "
                + "check that the real data lies in [-1, 1] (the generator ends in tanh), and that the inputs hold "
                + "no NaN");
        this.metric = metric;
        this.step = step;
        this.value = value;
    }

    /** Which metric was not finite, e.g. {@code lossD}. */
    public String metric() {
        return metric;
    }

    /** The 1-based step at which it was read. */
    public long step() {
        return step;
    }

    /** The value read (NaN or infinite). */
    public float value() {
        return value;
    }
}
