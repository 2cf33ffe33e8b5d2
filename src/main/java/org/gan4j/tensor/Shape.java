package org.gan4j.tensor;

import java.util.Arrays;

/**
 * An immutable tensor shape, outermost dimension first (NCHW for images). Every dimension is at least 1; the element
 * count must fit in an {@code int} (2^31 - 1), which is what one buffer of the CPU backend can address.
 */
public final class Shape {
    private final int[] dims;
    private final long size;

    private Shape(int[] dims) {
        if (dims.length == 0) {
            throw new IllegalArgumentException("a shape needs at least one dimension");
        }
        long n = 1;
        for (int d : dims) {
            if (d < 1) {
                throw new IllegalArgumentException("every dimension must be >= 1, got shape " + Arrays.toString(dims));
            }
            n *= d;
            if (n > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31-1 elements");
            }
        }
        this.dims = dims;
        this.size = n;
    }

    /** A shape with these dimensions; each must be >= 1. */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** Number of dimensions. */
    public int rank() {
        return dims.length;
    }

    /** Dimension {@code i}; negative {@code i} counts from the end (-1 is the last). */
    public int dim(int i) {
        return dims[i < 0 ? dims.length + i : i];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements. */
    public int size() {
        return (int) size;
    }

    /** Product of the dimensions after the first: the size of one sample when dimension 0 is the batch. */
    public int sampleSize() {
        return (int) (size / dims[0]);
    }

    /** This shape with dimension 0 replaced by {@code n}. */
    public Shape withBatch(int n) {
        int[] d = dims.clone();
        d[0] = n;
        return new Shape(d);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    /** For example {@code (64, 1, 28, 28)}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("(");
        for (int i = 0; i < dims.length; i++) {
            b.append(i == 0 ? "" : ", ").append(dims[i]);
        }
        return b.append(dims.length == 1 ? ",)" : ")").toString();
    }
}
