package org.gan4j.io;

import java.util.Arrays;
import java.util.Objects;

/**
 * One named tensor of a checkpoint: its safetensors dtype, its shape (row-major, outermost first; a dimension may be 0,
 * a scalar has shape {@code []}) and its values, in {@code floats} for floating dtypes or {@code longs} for integer
 * dtypes (the other is null). The arrays are not copied. Like a {@code torch.Tensor} in a {@code state_dict}.
 *
 * @param name   the tensor's key, for example {@code "generator.main.0.weight"}
 * @param dtype  its element type in the file
 * @param shape  dimensions, each >= 0; their product is the number of values
 * @param floats values when {@code dtype.isFloating()}, else null
 * @param longs  values when {@code !dtype.isFloating()}, else null
 *
 * <p><b>Threads.</b> Thread-safe to read once built; its arrays are not copied, so do not change them while others
 * read.
 */
public record TensorData(String name, TensorDtype dtype, long[] shape, float[] floats, long[] longs) {
    /** Validates the record: a non-empty name, non-negative dims, and exactly one array of the shape's size. */
    public TensorData {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tensor needs a non-empty name");
        }
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(shape, "shape");
        long n = numel(shape, name);
        boolean floating = dtype.isFloating();
        Object values = floating ? floats : longs;
        Object other = floating ? longs : floats;
        if (values == null || other != null) {
            throw new IllegalArgumentException("tensor '" + name + "' of dtype " + dtype + " needs its values in "
                    + (floating ? "floats" : "longs") + " and null in " + (floating ? "longs" : "floats"));
        }
        int len = floating ? floats.length : longs.length;
        if (len != n) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " has "
                    + n + " elements but " + len + " values were given");
        }
    }

    /** An F32 tensor; {@code shape} defaults to {@code [data.length]} when empty. */
    public static TensorData f32(String name, float[] data, long... shape) {
        return new TensorData(name, TensorDtype.F32, shape.length == 0 ? new long[] {data.length} : shape, data,
                null);
    }

    /** An I64 tensor; {@code shape} defaults to {@code [data.length]} when empty (use {@link #scalarI64} for []). */
    public static TensorData i64(String name, long[] data, long... shape) {
        return new TensorData(name, TensorDtype.I64, shape.length == 0 ? new long[] {data.length} : shape, null,
                data);
    }

    /** A 0-dimensional I64 tensor, like PyTorch's {@code num_batches_tracked}. */
    public static TensorData scalarI64(String name, long value) {
        return new TensorData(name, TensorDtype.I64, new long[0], null, new long[] {value});
    }

    /** Number of elements: the product of the shape (1 for a scalar). */
    public long numel() {
        return numel(shape, name);
    }

    /** The shape as ints. */
    public int[] intShape() {
        int[] s = new int[shape.length];
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.toIntExact(shape[i]);
        }
        return s;
    }

    private static long numel(long[] shape, String name) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor '" + name + "': negative dimension in shape "
                        + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape)
                        + " has more than 2^63 elements", e);
            }
        }
        return n;
    }

    /** Name, dtype and shape (not the values). */
    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
