package org.gan4j.optim;

import java.util.Map;

/**
 * Updates one {@link org.gan4j.nn.Model}'s parameters from its accumulated gradients. {@link #step()} is a single
 * backend op over the model's flat parameter and gradient buffers; it does not zero the gradients (call
 * {@link org.gan4j.nn.Model#zeroGrad()}, as with PyTorch's {@code optimizer.zero_grad()}).
 *
 * <p>The optimizer owns its state tensors on the model's backend: close it to free them. Not thread-safe.
 */
public interface Optimizer extends AutoCloseable {
    /** One update of every parameter of the model from its gradient. */
    void step();

    /** The current learning rate. */
    float learningRate();

    /**
     * Changes the learning rate for later steps (for schedules).
     *
     * @throws IllegalArgumentException when {@code lr} is not a finite number {@code >= 0}
     */
    void setLearningRate(float lr);

    /**
     * A host copy of the state needed to continue exactly (moments, step count), by name; every array is freshly
     * allocated. Synchronises with the backend. Values are copied as float: on an F64 backend a resume is exact
     * only to float precision.
     */
    Map<String, float[]> state();

    /**
     * Loads a state saved by {@link #state()} of an optimizer of the same kind and hyper-parameters over a model
     * with the same parameter layout.
     *
     * @throws IllegalArgumentException when an entry is missing, unexpected or of the wrong length
     */
    void loadState(Map<String, float[]> state);

    /** Frees the state tensors. */
    @Override
    void close();
}
