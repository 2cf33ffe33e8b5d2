package org.gan4j.nn;

import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;

/**
 * What {@link Conv2d} and {@link ConvTranspose2d} share: a square {@code k x k} kernel over {@code (N, in, H, W)}
 * inputs, stride and padding, the weight {@code (out, in, k, k)} (transposed: {@code (in, out, k, k)}) and an
 * optional bias over {@code out} channels.
 */
public abstract class ConvLayer extends AffineLayer {
    final int in;
    final int out;
    final int kernel;
    final ConvParams params;
    private final Parameter weight;

    /**
     * @param transposed weight {@code (in, out, k, k)} and fan-in {@code out*k*k}, as PyTorch computes fan-in from
     *                   {@code weight.size(1) * k * k}; otherwise weight {@code (out, in, k, k)}, fan-in
     *                   {@code in*k*k}
     * @param spectralNorm the weight spectrally normalised (see {@link AffineLayer})
     */
    ConvLayer(String name, int in, int out, int kernel, int stride, int padding, boolean transposed, boolean bias,
            boolean spectralNorm) {
        if (in < 1 || out < 1 || kernel < 1) {
            throw new IllegalArgumentException(name + " needs in, out, kernel >= 1, got in=" + in + ", out=" + out
                    + ", kernel=" + kernel);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.params = ConvParams.of(stride, padding);
        int fanIn = (transposed ? out : in) * kernel * kernel;
        Shape shape = transposed ? Shape.of(in, out, kernel, kernel) : Shape.of(out, in, kernel, kernel);
        this.weight = declareWeight(shape, fanIn, spectralNorm);
        declareBias(bias, out, fanIn);
    }

    public Parameter weight() {
        return weight;
    }

    /** Throws unless {@code input} is {@code (N, in, H, W)}. */
    final void requireInput(Shape input) {
        if (input.rank() != 4 || input.dim(1) != in) {
            throw new IllegalArgumentException(this + ": expected input (N, " + in + ", H, W), got " + input);
        }
    }

    /** {@code Name(in, out, k=.., s=.., p=..<extra>, bias/activation)}. */
    final String describe(String name, String extra) {
        return name + "(" + in + ", " + out + ", k=" + kernel + ", s=" + params.strideH() + ", p=" + params.padH()
                + extra + biasAndActivation() + ")";
    }
}
