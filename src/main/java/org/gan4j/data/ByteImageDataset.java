package org.gan4j.data;

import java.util.List;
import java.util.Objects;
import org.gan4j.tensor.Shape;

/**
 * Images stored as unsigned bytes, {@code (C, H, W)} per sample, with optional class labels: what {@link IdxDataset},
 * {@link ImageFolderDataset} and {@link SyntheticShapes} build. A byte per pixel keeps Fashion-MNIST at 47 MB and
 * CelebA at 64x64 at 2.5 GB; {@link #get} converts to floats in [-1, 1] as {@code x / 127.5 - 1}.
 *
 * <p>The pixels are held in chunks of whole samples (a Java array holds at most 2^31 - 1 bytes). Immutable once built;
 * safe to read from several threads.
 */
public final class ByteImageDataset implements Dataset {
    /** At most this many bytes per chunk (a Java array's practical limit is a little under 2^31). */
    static final int MAX_CHUNK_BYTES = 1 << 30;
    /** Class names listed in the description before it skips to the last. */
    private static final int NAMES_SHOWN = 10;

    /** {@code b / 127.5f - 1f} for every byte value b, computed once. */
    private static final float[] TO_FLOAT = new float[256];

    static {
        for (int b = 0; b < 256; b++) {
            TO_FLOAT[b] = b / 127.5f - 1f;
        }
    }

    private final String description;
    private final Shape sampleShape;
    private final int sampleSize;
    private final int size;
    private final int samplesPerChunk;
    private final byte[][] chunks;
    private final byte[] labels;
    private final int numClasses;
    private final List<String> classNames;

    /**
     * A dataset over {@code chunks} as made by {@link #allocateChunks}: sample {@code i} is at
     * {@code chunks[i / samplesPerChunk(sampleSize)]} from byte {@code (i % samplesPerChunk) * sampleSize}.
     *
     * @param name        short name for {@link #description()}, for example {@code "Fashion-MNIST train"}
     * @param sampleShape {@code (C, H, W)}
     * @param size        number of samples
     * @param chunks      pixel storage from {@link #allocateChunks}, not copied
     * @param labels      one label per sample (0..255), or null; not copied
     * @param numClasses  number of classes (every label is below it), 0 when {@code labels} is null
     */
    public ByteImageDataset(String name, Shape sampleShape, int size, byte[][] chunks, byte[] labels, int numClasses) {
        this(name, sampleShape, size, chunks, labels, numClasses, null);
    }

    /**
     * As {@link #ByteImageDataset(String, Shape, int, byte[][], byte[], int)}, with the name of each class
     * ({@code numClasses} names, e.g. an image folder's sub-folders), or null.
     */
    public ByteImageDataset(String name, Shape sampleShape, int size, byte[][] chunks, byte[] labels, int numClasses,
            List<String> classNames) {
        if (classNames != null && classNames.size() != numClasses) {
            throw new IllegalArgumentException("need one name per class: " + numClasses + " classes, "
                    + classNames.size() + " names");
        }
        this.classNames = classNames == null ? null : List.copyOf(classNames);
        this.sampleShape = Objects.requireNonNull(sampleShape, "sampleShape");
        if (sampleShape.rank() != 3) {
            throw new IllegalArgumentException("an image sample has shape (C, H, W), got " + sampleShape);
        }
        this.sampleSize = sampleShape.size();
        this.samplesPerChunk = samplesPerChunk(sampleSize);
        int expectedChunks = size == 0 ? 0 : (size - 1) / samplesPerChunk + 1;
        if (size < 1 || chunks.length != expectedChunks) {
            throw new IllegalArgumentException("need size >= 1 and " + expectedChunks + " chunks from allocateChunks("
                    + size + ", " + sampleSize + "), got size " + size + " and " + chunks.length + " chunks");
        }
        for (int c = 0; c < chunks.length; c++) {
            int samples = Math.min(samplesPerChunk, size - c * samplesPerChunk);
            if (chunks[c].length != samples * sampleSize) {
                throw new IllegalArgumentException("chunk " + c + " must hold " + samples * sampleSize
                        + " bytes, has " + chunks[c].length);
            }
        }
        if (labels != null) {
            if (labels.length != size) {
                throw new IllegalArgumentException("need one label per sample: " + size + " samples, "
                        + labels.length + " labels");
            }
            for (int i = 0; i < size; i++) {
                if ((labels[i] & 0xFF) >= numClasses) {
                    throw new IllegalArgumentException("label " + (labels[i] & 0xFF) + " of sample " + i
                            + " is not below numClasses " + numClasses);
                }
            }
        } else if (numClasses != 0) {
            throw new IllegalArgumentException("numClasses must be 0 without labels, got " + numClasses);
        }
        this.description = name + ": " + size + " x " + sampleShape
                + (labels == null ? ", no labels" : ", " + numClasses + (numClasses == 1 ? " class" : " classes")
                        + namesOf(this.classNames));
        this.size = size;
        this.chunks = chunks;
        this.labels = labels;
        this.numClasses = numClasses;
    }

    /**
     * The label of each class name for {@link #description()}, e.g. {@code " (0 ant, 1 cat, 2 dog)"}, the first
     * {@value #NAMES_SHOWN} and the last when there are more; empty without names.
     */
    private static String namesOf(List<String> names) {
        if (names == null) {
            return "";
        }
        StringBuilder b = new StringBuilder(" (");
        for (int k = 0; k < names.size(); k++) {
            if (k == NAMES_SHOWN && k < names.size() - 1) {
                b.append("..., ");
                k = names.size() - 1;
            }
            b.append(k).append(' ').append(names.get(k)).append(k < names.size() - 1 ? ", " : ")");
        }
        return b.toString();
    }

    /** Samples per chunk for samples of {@code sampleSize} bytes. */
    static int samplesPerChunk(int sampleSize) {
        return Math.max(1, MAX_CHUNK_BYTES / sampleSize);
    }

    /** Zeroed storage for {@code size} samples of {@code sampleSize} bytes each, as the constructor expects. */
    public static byte[][] allocateChunks(int size, int sampleSize) {
        int per = samplesPerChunk(sampleSize);
        int n = size == 0 ? 0 : (size - 1) / per + 1;
        byte[][] chunks = new byte[n][];
        for (int c = 0; c < n; c++) {
            chunks[c] = new byte[Math.min(per, size - c * per) * sampleSize];
        }
        return chunks;
    }

    /** Where sample {@code index} starts in its chunk; the chunk is {@code chunks[index / samplesPerChunk]}. */
    static int offsetInChunk(int index, int sampleSize) {
        return (index % samplesPerChunk(sampleSize)) * sampleSize;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Shape sampleShape() {
        return sampleShape;
    }

    @Override
    public void get(int index, float[] dst, int dstOffset) {
        Objects.checkIndex(index, size);
        Objects.checkFromIndexSize(dstOffset, sampleSize, dst.length);
        byte[] chunk = chunks[index / samplesPerChunk];
        int src = (index % samplesPerChunk) * sampleSize;
        for (int i = 0; i < sampleSize; i++) {
            dst[dstOffset + i] = TO_FLOAT[chunk[src + i] & 0xFF];
        }
    }

    /** The raw byte of element {@code element} (CHW order) of sample {@code index}, 0..255. */
    public int pixel(int index, int element) {
        Objects.checkIndex(index, size);
        Objects.checkIndex(element, sampleSize);
        return chunks[index / samplesPerChunk][(index % samplesPerChunk) * sampleSize + element] & 0xFF;
    }

    @Override
    public boolean hasLabels() {
        return labels != null;
    }

    @Override
    public int label(int index) {
        if (labels == null) {
            throw new IllegalStateException(description + " has no labels; check hasLabels() first");
        }
        return labels[Objects.checkIndex(index, size)] & 0xFF;
    }

    /** The name of each class (e.g. an image folder's sub-folders, in label order), or null when not known. */
    public List<String> classNames() {
        return classNames;
    }

    @Override
    public int numClasses() {
        return numClasses;
    }

    @Override
    public String description() {
        return description;
    }
}
