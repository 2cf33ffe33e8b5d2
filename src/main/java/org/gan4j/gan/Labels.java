package org.gan4j.gan;

/**
 * The discriminator's targets and the tricks applied to them, drawn afresh every step from the trainer's random
 * stream with {@link org.gan4j.backend.Backend#fillTargets}: per element,
 * {@code t = (u1 < flipProbability ? other : value) + noise * (2 u2 - 1)}, where for the real batch {@code value} is
 * {@link #real()} and {@code other} is {@link #fake()}, and the reverse for the fake batch.
 *
 * <p>Examples: {@link #HARD} (1 and 0, the default and pytorch/examples dcgan's), {@code new Labels(0.9f, 0f, 0f,
 * 0f)} one-sided label smoothing (Salimans et al. 2016), {@code noise 0.05} uniform label noise, {@code
 * flipProbability 0.05} occasional swaps. The generator's targets are not affected (see {@link GanLoss}).
 *
 * @param real            target for real samples, e.g. 1, or 0.9 for one-sided smoothing
 * @param fake            target for generated samples, e.g. 0
 * @param noise           half-width of the uniform noise added to every target, {@code >= 0}
 * @param flipProbability probability that a target is swapped (real to fake or fake to real), in [0, 1]
 */
public record Labels(float real, float fake, float noise, float flipProbability) {
    /** Hard labels: real 1, fake 0, no noise, no flips. */
    public static final Labels HARD = new Labels(1f, 0f, 0f, 0f);

    /** Validates each field; the message names the field, the value and the valid range. */
    public Labels {
        if (!Float.isFinite(real)) {
            throw new IllegalArgumentException("labels.real must be a finite number, got " + real);
        }
        if (!Float.isFinite(fake)) {
            throw new IllegalArgumentException("labels.fake must be a finite number, got " + fake);
        }
        if (!(noise >= 0f && noise <= 1f)) {
            throw new IllegalArgumentException("labels.noise must be in [0, 1], got " + noise);
        }
        if (!(flipProbability >= 0f && flipProbability <= 1f)) {
            throw new IllegalArgumentException("labels.flipProbability must be in [0, 1], got " + flipProbability);
        }
    }

    /** One-sided label smoothing: real targets {@code real} (e.g. 0.9), fake 0, no noise or flips. */
    public static Labels smoothed(float real) {
        return new Labels(real, 0f, 0f, 0f);
    }

    /** True when every target is the same each step (no noise, no flips), so targets need filling only once. */
    public boolean isConstant() {
        return noise == 0f && flipProbability == 0f;
    }

    /** Smallest target these labels can produce. */
    public float min() {
        return Math.min(real, fake) - noise;
    }

    /** Largest target these labels can produce. */
    public float max() {
        return Math.max(real, fake) + noise;
    }
}
