package org.gan4j.tensor;

/** Element type of a tensor. A backend works in one dtype, chosen when it is created. */
public enum DType {
    /** 32-bit IEEE float: what training uses. */
    F32(4),
    /** 64-bit IEEE float: CPU backend only, for finite-difference gradient checks. */
    F64(8);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }
}
