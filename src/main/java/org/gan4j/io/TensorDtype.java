package org.gan4j.io;

/**
 * Element types of the safetensors format that gan4j reads. Floating types are exposed as {@code float[]} (F64, F16
 * and BF16 converted), integer types and BOOL as {@code long[]} (PyTorch's BatchNorm {@code num_batches_tracked} is
 * I64). Writing supports F32, F64, I64 and I32.
 */
public enum TensorDtype {
    /** IEEE 754 double. */
    F64(8, true),
    /** IEEE 754 single: what gan4j writes for parameters. */
    F32(4, true),
    /** IEEE 754 half. */
    F16(2, true),
    /** bfloat16: the top 16 bits of an F32. */
    BF16(2, true),
    /** Signed 64-bit integer. */
    I64(8, false),
    /** Signed 32-bit integer. */
    I32(4, false),
    /** Signed 16-bit integer. */
    I16(2, false),
    /** Signed 8-bit integer. */
    I8(1, false),
    /** Unsigned 8-bit integer. */
    U8(1, false),
    /** One byte, 0 or 1. */
    BOOL(1, false);

    private final int bytes;
    private final boolean floating;

    TensorDtype(int bytes, boolean floating) {
        this.bytes = bytes;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Whether values are held as {@code float[]} (else {@code long[]}). */
    public boolean isFloating() {
        return floating;
    }
}
