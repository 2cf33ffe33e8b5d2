package org.gan4j.nn;

import java.nio.FloatBuffer;

import org.gan4j.backend.HostStaging;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * A layer that also reads the class label of each sample of its batch (class-conditional GANs): the labels are set
 * with {@link Model#setLabels} before each forward and held on the backend as a {@code (N, lead + K)} float mask,
 * {@code lead} leading columns of ones followed by the one-hot code of the label ({@code K = numClasses}). The mask
 * turns class look-ups into {@link org.gan4j.backend.Backend#gemm} and {@link org.gan4j.backend.Backend#multiply}
 * calls, so conditional layers need no backend op of their own (a one-hot row times a table is the gather
 * {@code table[y]}; its transpose times a gradient is the scatter-add into the table's rows). The mask is uploaded
 * through the backend's {@link HostStaging}, two host buffers used in turn: on CUDA an asynchronous copy from pinned
 * memory, in order with the compute stream, so labels set before every step do not make the host wait for the
 * device.
 */
public abstract class ClassConditional extends Layer {
    private final int numClasses;
    private final int lead;
    private int batch = -1;
    private HostStaging staging;
    private int slot;

    /**
     * @param numClasses {@code K >= 1}
     * @param lead       leading columns of ones in the mask
     */
    protected ClassConditional(int numClasses, int lead) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("a class-conditional layer needs at least 1 class, got " + numClasses);
        }
        this.numClasses = numClasses;
        this.lead = lead;
    }

    /** {@code K}: labels are in {@code [0, K)}. */
    public final int numClasses() {
        return numClasses;
    }

    /**
     * Uploads one label per sample of the next batches (to the backend, without waiting for it: see the class
     * comment).
     *
     * @throws IllegalArgumentException when a label is outside {@code [0, numClasses)} or there are none
     */
    public final void setLabels(int[] labels) {
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException(this + ": need one class label per sample, got none");
        }
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= numClasses) {
                throw new IllegalArgumentException("class label " + labels[i] + " of sample " + i + " is outside"
                        + " [0, " + numClasses + "): this model knows " + numClasses + " classes");
            }
        }
        int width = lead + numClasses;
        if (staging == null || staging.floats() != labels.length * width) {
            closeStaging();
            staging = backend().newHostStaging(2, labels.length * width);
        }
        slot ^= 1;
        staging.awaitWritable(slot); // the upload before last has read it
        FloatBuffer mask = staging.buffer(slot);
        for (int i = 0; i < labels.length; i++) {
            for (int c = 0; c < width; c++) {
                mask.put(i * width + c, c < lead || c == lead + labels[i] ? 1f : 0f);
            }
        }
        staging.upload(slot, buffer("mask", Shape.of(labels.length, width)));
        batch = labels.length;
    }

    /** The {@code (N, lead + K)} mask of the labels last set, checked against a batch of {@code n}. */
    protected final Tensor mask(int n) {
        if (batch != n) {
            throw new IllegalStateException(this + ": " + (batch < 0 ? "no class labels set" : batch
                    + " class labels set") + " for a batch of " + n + "; call Model.setLabels with one label per"
                    + " sample before forward");
        }
        return buffer("mask", Shape.of(n, lead + numClasses));
    }

    /** Frees the staging buffers, then the layer's tensors. */
    @Override
    public void close() {
        closeStaging();
        super.close();
    }

    private void closeStaging() {
        if (staging != null) {
            staging.close();
            staging = null;
        }
    }
}
