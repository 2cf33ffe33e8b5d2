package org.gan4j.data;

import org.gan4j.tensor.Shape;

/**
 * An in-memory, indexable collection of samples of one static shape, like a PyTorch map-style
 * {@code torch.utils.data.Dataset}.
 *
 * <p>Image samples have shape {@code (C, H, W)} and {@link #get} gives pixels scaled to [-1, 1] as
 * {@code x / 127.5 - 1} (byte 0 gives -1, byte 255 gives 1): PyTorch's {@code ToTensor()} followed by
 * {@code Normalize(0.5, 0.5)}. Point samples ({@link Mixture2d}) have shape {@code (2,)} and come out as their
 * coordinates, unscaled.
 *
 * <p>Implementations in this package are immutable once built, so {@link #get} may be called from several threads.
 */
public interface Dataset {
    /** Number of samples. */
    int size();

    /** Shape of one sample, for example {@code (1, 28, 28)}, {@code (3, 64, 64)} or {@code (2,)}. */
    Shape sampleShape();

    /** Number of floats in one sample: {@code sampleShape().size()}. */
    default int sampleSize() {
        return sampleShape().size();
    }

    /**
     * Copies sample {@code index} (0 <= index < size()) into {@code dst[dstOffset .. dstOffset + sampleSize())}, in
     * the order of {@link #sampleShape()} (CHW for images). May be called from several threads at once (a
     * {@link BatchLoader} has several workers): read only.
     */
    void get(int index, float[] dst, int dstOffset);

    /** Whether each sample has a class label. */
    boolean hasLabels();

    /** The class label of sample {@code index}, in [0, numClasses()); only when {@link #hasLabels()}. */
    int label(int index);

    /** Number of classes (0 when there are no labels). */
    int numClasses();

    /** One line for logs, for example {@code "Fashion-MNIST train: 60000 x (1, 28, 28), 10 classes"}. */
    String description();
}
