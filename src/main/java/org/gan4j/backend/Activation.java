package org.gan4j.backend;

/**
 * An elementwise activation that backend ops can fuse after a bias add or a batch norm. Backward passes compute the
 * derivative from the activation's <em>output</em> {@code y}, so layers keep only their output:
 * ReLU {@code y > 0}, LeakyReLU {@code y > 0 ? 1 : slope} (slope in [0, 1]), Tanh {@code 1 - y^2},
 * Sigmoid {@code y (1 - y)}, Identity {@code 1}.
 *
 * @param kind  which function
 * @param slope negative-side slope of LeakyReLU, 0 for the others
 */
public record Activation(Kind kind, float slope) {
    /** The functions offered. */
    public enum Kind { IDENTITY, RELU, LEAKY_RELU, TANH, SIGMOID }

    public static final Activation IDENTITY = new Activation(Kind.IDENTITY, 0f);
    public static final Activation RELU = new Activation(Kind.RELU, 0f);
    public static final Activation TANH = new Activation(Kind.TANH, 0f);
    public static final Activation SIGMOID = new Activation(Kind.SIGMOID, 0f);

    public Activation {
        if (kind == null) {
            throw new IllegalArgumentException("activation kind must not be null");
        }
        if (kind == Kind.LEAKY_RELU ? !(slope >= 0f && slope <= 1f) : slope != 0f) {
            throw new IllegalArgumentException("LeakyReLU slope must be in [0, 1] (others take 0), got " + slope
                    + " for " + kind);
        }
    }

    /** LeakyReLU with this negative slope (PyTorch's default is 0.01; DCGAN uses 0.2). */
    public static Activation leakyRelu(float slope) {
        return new Activation(Kind.LEAKY_RELU, slope);
    }

    /** The function itself, in double: the scalar reference every backend matches. */
    public double apply(double x) {
        return switch (kind) {
            case IDENTITY -> x;
            case RELU -> x > 0 ? x : 0;
            case LEAKY_RELU -> x > 0 ? x : slope * x;
            case TANH -> Math.tanh(x);
            case SIGMOID -> x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
        };
    }

    /**
     * Whether the function is piecewise linear (identity, ReLU, LeakyReLU): its second derivative is 0 away from the
     * kink, which the R1 penalty's exact second backward relies on.
     */
    public boolean isPiecewiseLinear() {
        return kind == Kind.IDENTITY || kind == Kind.RELU || kind == Kind.LEAKY_RELU;
    }

    /** d act / d x expressed through the output {@code y = apply(x)}. */
    public double derivativeFromOutput(double y) {
        return switch (kind) {
            case IDENTITY -> 1;
            case RELU -> y > 0 ? 1 : 0;
            case LEAKY_RELU -> y > 0 ? 1 : slope;
            case TANH -> 1 - y * y;
            case SIGMOID -> y * (1 - y);
        };
    }
}
