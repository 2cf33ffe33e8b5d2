package org.gan4j.backend.cuda;

import java.util.function.Consumer;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Storage;

/**
 * Float32 tensor elements in GPU memory: one {@link DeviceBuffer}, freed on {@link #close()}.
 *
 * <p><b>Resident bf16 copy</b> ({@link org.gan4j.backend.Precision#BF16} only). A convolution or batch norm of the
 * bf16 path writes its output as bfloat16 NHWC into a second buffer of this storage (2 bytes an element, made on
 * first use) and leaves the float32 elements stale: the next convolution or batch norm reads the bf16 copy directly,
 * with no conversion pass. One region (element offset and NCHW shape) is tracked. Any float32 access through
 * {@link CudaBackend#ptr} first brings a stale region up to date (one NHWC-to-NCHW pass, by {@code materialise}) and
 * then drops the copy, since the caller may write the float32 elements.
 */
final class CudaStorage implements Storage {
    private final DeviceBuffer buffer;
    private final long capacity;
    /** Converts the stale region back into the float32 elements (the owning backend's kernel on its stream). */
    private final Consumer<CudaStorage> materialise;
    private DeviceBuffer bf16;
    private Mirror mirror;

    /**
     * The region whose bf16 NHWC copy is valid: element offset, NCHW shape, and whether the float32 elements are
     * stale (then only the copy holds the value).
     */
    record Mirror(long offset, Shape shape, boolean floatStale) {
    }

    CudaStorage(DeviceBuffer buffer, long capacity, Consumer<CudaStorage> materialise) {
        this.buffer = buffer;
        this.capacity = capacity;
        this.materialise = materialise;
    }

    @Override
    public DType dtype() {
        return DType.F32;
    }

    @Override
    public long capacity() {
        return capacity;
    }

    /** Device address of element {@code offset}. */
    long address(long offset) {
        return buffer.address() + offset * Float.BYTES;
    }

    /** Before a float32 access: a stale region is converted back, and the bf16 copy is dropped. */
    void floatAccess() {
        if (mirror != null) {
            if (mirror.floatStale()) {
                materialise.accept(this);
            }
            mirror = null;
        }
    }

    /** The tracked region, or null. */
    Mirror mirror() {
        return mirror;
    }

    /** Sets the tracked region (null: none), e.g. restoring the state a captured graph's replay leaves. */
    void mirror(Mirror m) {
        mirror = m;
    }

    /** Whether the bf16 copy holds the value of the region at {@code offset} with {@code shape}. */
    boolean mirrors(long offset, Shape shape) {
        return mirror != null && mirror.offset() == offset && mirror.shape().equals(shape);
    }

    /** Whether the bf16 buffer exists (made by {@link #bf16Address} callers through {@link #attachBf16}). */
    boolean hasBf16() {
        return bf16 != null;
    }

    /** Gives this storage its bf16 buffer ({@code 2 * capacity} bytes), owned and freed with it. */
    void attachBf16(DeviceBuffer b) {
        bf16 = b;
    }

    /** Device address of bf16 element {@code offset} (the buffer exists). */
    long bf16Address(long offset) {
        return bf16.address() + offset * 2L;
    }

    @Override
    public void close() {
        mirror = null;
        if (bf16 != null) {
            bf16.close();
            bf16 = null;
        }
        buffer.close();
    }
}
