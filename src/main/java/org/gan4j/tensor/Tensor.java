package org.gan4j.tensor;

/**
 * A dense, row-major float tensor living on one {@link Device} (a backend): a {@link Shape} and a window
 * ({@code offset}, {@code shape.size()} elements) into a {@link Storage}. Images are NCHW.
 *
 * <p>A tensor made by {@code Backend.allocate} owns its storage and frees it on {@link #close()}; views made by
 * {@link #view} and {@link #reshape} share the storage and free nothing. Tensors are not thread-safe; the values
 * are read and written only through backend ops (or {@link #toFloatArray()} for inspection).
 */
public final class Tensor implements AutoCloseable {
    private final Device backend;
    private final Storage storage;
    private final long offset;
    private final Shape shape;
    private final boolean owner;

    /** For backends: wraps storage they allocated. Other code uses {@code Backend.allocate}. */
    public Tensor(Device backend, Storage storage, long offset, Shape shape, boolean owner) {
        if (offset < 0 || offset + shape.size() > storage.capacity()) {
            throw new IllegalArgumentException("view of " + shape + " at offset " + offset
                    + " does not fit in storage of " + storage.capacity() + " elements");
        }
        this.backend = backend;
        this.storage = storage;
        this.offset = offset;
        this.shape = shape;
        this.owner = owner;
    }

    /** The backend that made it (its {@code org.gan4j.backend.Backend}, seen as the tensor's {@link Device}). */
    public Device backend() {
        return backend;
    }

    public Storage storage() {
        return storage;
    }

    /** Offset of element 0 in the storage, in elements. */
    public long offset() {
        return offset;
    }

    public Shape shape() {
        return shape;
    }

    public DType dtype() {
        return storage.dtype();
    }

    /** Number of elements. */
    public int size() {
        return shape.size();
    }

    /** Dimension {@code i} of the shape (negative counts from the end). */
    public int dim(int i) {
        return shape.dim(i);
    }

    /** A view of {@code shape.size()} elements starting {@code offset} elements into this tensor. */
    public Tensor view(long offset, Shape shape) {
        if (offset < 0 || offset + shape.size() > size()) {
            throw new IllegalArgumentException("view of " + shape + " at offset " + offset
                    + " does not fit in tensor of shape " + this.shape);
        }
        return new Tensor(backend, storage, this.offset + offset, shape, false);
    }

    /** The same elements under another shape with the same element count. */
    public Tensor reshape(Shape shape) {
        if (shape.size() != size()) {
            throw new IllegalArgumentException("cannot reshape " + this.shape + " (" + size() + " elements) to "
                    + shape + " (" + shape.size() + " elements)");
        }
        return new Tensor(backend, storage, offset, shape, false);
    }

    /** @see #reshape(Shape) */
    public Tensor reshape(int... dims) {
        return reshape(Shape.of(dims));
    }

    /** Samples {@code from} (inclusive) to {@code to} (exclusive) along dimension 0, as a view. */
    public Tensor slice(int from, int to) {
        if (from < 0 || to > shape.dim(0) || from >= to) {
            throw new IllegalArgumentException("slice [" + from + ", " + to + ") out of range for shape " + shape);
        }
        int per = shape.sampleSize();
        return view((long) from * per, shape.withBatch(to - from));
    }

    /** Copies the values to a new host array (synchronises with the backend). */
    public float[] toFloatArray() {
        float[] out = new float[size()];
        backend.copyToHost(this, out);
        return out;
    }

    /** Copies the values to a new host array in double precision (synchronises with the backend). */
    public double[] toDoubleArray() {
        double[] out = new double[size()];
        backend.copyToHost(this, out);
        return out;
    }

    /** True when this tensor owns its storage (it was allocated, not viewed). */
    public boolean isOwner() {
        return owner;
    }

    /** Frees the storage if this tensor owns it; views do nothing. */
    @Override
    public void close() {
        if (owner) {
            storage.close();
        }
    }

    @Override
    public String toString() {
        return "Tensor" + shape + " " + dtype() + " on " + backend.name();
    }
}
