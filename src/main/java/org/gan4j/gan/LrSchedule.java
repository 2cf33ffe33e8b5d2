package org.gan4j.gan;

import java.util.Locale;

/**
 * How both learning rates change over a run: each step uses {@code lr * factor(step, total)}, where {@code step} is
 * the number of steps done before it (0 for the first) and {@code total} the run's length, and {@code lr} the
 * configured {@link TrainerConfig#lrD()} or {@link TrainerConfig#lrG()}. Immutable.
 *
 * <table>
 * <caption>schedules</caption>
 * <tr><th>kind</th><th>CLI</th><th>factor</th></tr>
 * <tr><td>{@link Kind#CONSTANT}</td><td>{@code constant}</td><td>1</td></tr>
 * <tr><td>{@link Kind#LINEAR}</td><td>{@code linear[:START]}</td><td>1 until {@code s0 = floor(START total)}, then
 *     {@code (total - step) / (total - s0)}: down to {@code 1 / (total - s0)} at the last step (never 0)</td></tr>
 * <tr><td>{@link Kind#STEP}</td><td>{@code step:EVERY[:GAMMA]}</td><td>{@code GAMMA^floor(step / EVERY)}
 *     (GAMMA 0.5 when not given)</td></tr>
 * </table>
 *
 * @param kind  the shape of the schedule
 * @param start LINEAR: the fraction of the run after which the decay starts, in [0, 1)
 * @param every STEP: steps between two reductions, {@code >= 1}
 * @param gamma STEP: the factor applied at each reduction, in (0, 1]
 */
public record LrSchedule(Kind kind, double start, long every, double gamma) {
    /** The shapes of a schedule. */
    public enum Kind {
        /** The configured rates throughout. */
        CONSTANT,
        /** Linear decay towards 0 at the end of the run. */
        LINEAR,
        /** Multiplied by gamma every {@code every} steps. */
        STEP
    }

    /** Constant learning rates, the default. */
    public static final LrSchedule CONSTANT = new LrSchedule(Kind.CONSTANT, 0, 1, 1);

    /** Validates the fields that apply to {@code kind}. */
    public LrSchedule {
        if (kind == null) {
            throw new IllegalArgumentException("schedule kind must be one of constant, linear, step; got null");
        }
        if (!(start >= 0 && start < 1)) {
            throw new IllegalArgumentException("linear schedule start must be a fraction of the run in [0, 1), got "
                    + start);
        }
        if (every < 1) {
            throw new IllegalArgumentException("step schedule interval must be >= 1 step, got " + every);
        }
        if (!(gamma > 0 && gamma <= 1)) {
            throw new IllegalArgumentException("step schedule gamma must be in (0, 1], got " + gamma);
        }
    }

    /** Linear decay to (almost) 0 over the whole run after the fraction {@code start} of it. */
    public static LrSchedule linear(double start) {
        return new LrSchedule(Kind.LINEAR, start, 1, 1);
    }

    /** A reduction by {@code gamma} every {@code every} steps. */
    public static LrSchedule step(long every, double gamma) {
        return new LrSchedule(Kind.STEP, 0, every, gamma);
    }

    /** The factor for the step after {@code step} steps done, in a run of {@code total} steps. */
    public double factor(long step, long total) {
        return switch (kind) {
            case CONSTANT -> 1;
            case LINEAR -> {
                long s0 = (long) Math.floor(start * total);
                yield step < s0 ? 1 : Math.max(1, total - step) / (double) Math.max(1, total - s0);
            }
            case STEP -> Math.pow(gamma, step / every);
        };
    }

    /**
     * Parses the CLI form: {@code constant}, {@code linear}, {@code linear:0.5}, {@code step:1000},
     * {@code step:1000:0.3}.
     *
     * @throws IllegalArgumentException naming the text and the accepted forms
     */
    public static LrSchedule parse(String text) {
        String usage = "; expected constant, linear[:START] (START in [0, 1)) or step:EVERY[:GAMMA] (EVERY >= 1 steps,"
                + " GAMMA in (0, 1], default 0.5)";
        if (text == null) {
            throw new IllegalArgumentException("no learning-rate schedule given" + usage);
        }
        String[] p = text.trim().toLowerCase(Locale.ROOT).split(":", -1);
        try {
            if (p[0].equals("constant") && p.length == 1) {
                return CONSTANT;
            }
            if (p[0].equals("linear") && p.length <= 2) {
                return linear(p.length == 2 ? Double.parseDouble(p[1]) : 0);
            }
            if (p[0].equals("step") && (p.length == 2 || p.length == 3)) {
                return step(Long.parseLong(p[1]), p.length == 3 ? Double.parseDouble(p[2]) : 0.5);
            }
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("learning-rate schedule '" + text + "' has a number that does not "
                    + "parse" + usage, e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("learning-rate schedule '" + text + "': " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("unknown learning-rate schedule '" + text + "'" + usage);
    }

    /** The CLI form, which {@link #parse} reads back. */
    @Override
    public String toString() {
        return switch (kind) {
            case CONSTANT -> "constant";
            case LINEAR -> "linear:" + start;
            case STEP -> "step:" + every + ":" + gamma;
        };
    }
}
