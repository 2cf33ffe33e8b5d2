package org.gan4j.nn;

import java.util.Arrays;

import org.gan4j.tensor.Shape;

/**
 * Gives each sample a new shape with the same element count, e.g. {@code (N, 6272) -> (N, 128, 7, 7)}: a view, no
 * copy (PyTorch {@code x.view(N, *dims)}). Backward reshapes the gradient back.
 */
public final class Reshape extends ViewLayer {
    private final int[] sampleDims;

    /** The shape of one sample, without the batch dimension. */
    public Reshape(int... sampleDims) {
        Shape.of(sampleDims); // validates
        this.sampleDims = sampleDims.clone();
    }

    @Override
    public Shape outputShape(Shape input) {
        int[] dims = new int[sampleDims.length + 1];
        dims[0] = input.dim(0);
        System.arraycopy(sampleDims, 0, dims, 1, sampleDims.length);
        Shape out = Shape.of(dims);
        if (out.size() != input.size()) {
            throw new IllegalArgumentException(this + ": input " + input + " has " + input.sampleSize()
                    + " elements per sample, the target shape " + Arrays.toString(sampleDims) + " has "
                    + out.sampleSize());
        }
        return out;
    }

    @Override
    public String toString() {
        return "Reshape" + Arrays.toString(sampleDims);
    }
}
