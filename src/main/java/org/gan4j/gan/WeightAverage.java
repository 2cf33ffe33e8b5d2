package org.gan4j.gan;

import java.util.Map;
import java.util.function.Supplier;

import org.gan4j.backend.Backend;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Tensor;

/**
 * An exponential moving average of a model's weights (Polyak averaging as used for GAN generators by Karras et al.
 * 2018 and BigGAN), kept on the backend over the model's flat parameter buffer. After update t (1-based), with decay
 * {@code beta} and weights {@code w_t}:
 * <pre>
 * s_t = beta s_(t-1) + (1 - beta) w_t,  s_0 = 0            (one scale and one axpy over the flat buffer)
 * average_t = s_t / (1 - beta^t)                           (bias correction, as Adam's)
 * </pre>
 * The correction makes the weights on {@code w_1..w_t} sum to one, so the average is not pulled towards zero in
 * early steps, and the update's arguments stay the same every step (a CUDA graph can replay it).
 *
 * <p><b>Batch-norm statistics.</b> Running statistics are not weights and are not averaged: the live model's belong
 * to the live weights, and averaged weights give other activations. {@link #withAverage} therefore lets the caller
 * recompute them for the averaged network (its own samples, in training mode) before use, and puts the live ones back
 * afterwards, as it does the weights.
 *
 * <p>The state is {@code s} and the count {@code t}; {@link #sum()} and {@link #load} save and restore it exactly.
 * Owned by a {@link GanTrainer}; not thread-safe.
 */
final class WeightAverage implements AutoCloseable {
    private final Backend backend;
    private final Model model;
    private final float decay;
    private final Tensor sum;
    private Tensor backup;
    private Tensor buffersBackup;

    /** An empty average of {@code model}'s parameters with decay {@code beta} in (0, 1). */
    WeightAverage(Model model, float decay) {
        this.backend = model.backend();
        this.model = model;
        this.decay = decay;
        this.sum = backend.allocate(model.parameters().shape());
        backend.fill(0f, sum);
    }

    /** Folds the model's current weights into the average: {@code s = beta s + (1 - beta) w}. */
    void update() {
        backend.scale(decay, sum);
        backend.axpy(1f - decay, model.parameters(), sum);
    }

    /**
     * Runs {@code use} with the averaged weights of {@code updates} updates in the model, after
     * {@code recomputeStatistics} has set the model's state buffers (batch-norm running statistics) for them; then puts
     * the trained weights and the live buffers back (bit for bit). With no update yet, runs {@code use} on the
     * trained model as it is. A model without state buffers skips {@code recomputeStatistics}.
     */
    <T> T withAverage(long updates, Runnable recomputeStatistics, Supplier<T> use) {
        if (updates == 0) {
            return use.get();
        }
        Tensor params = model.parameters();
        Tensor buffers = model.stateBuffers();
        boolean hasBuffers = !model.namedBuffers().isEmpty();
        if (backup == null) {
            backup = backend.allocate(params.shape());
            buffersBackup = backend.allocate(buffers.shape());
        }
        backend.copy(params, backup);
        backend.copy(buffers, buffersBackup);
        backend.copy(sum, params);
        backend.scale((float) (1.0 / (1.0 - Math.pow(decay, updates))), params);
        try {
            if (hasBuffers) {
                recomputeStatistics.run();
            }
            return use.get();
        } finally {
            backend.copy(backup, params);
            backend.copy(buffersBackup, buffers);
        }
    }

    /**
     * The averaged network's state dict after {@code updates} updates: averaged parameters, and the buffers
     * {@code recomputeStatistics} set for them (see {@link #withAverage}).
     */
    Map<String, float[]> stateDict(long updates, Runnable recomputeStatistics) {
        return withAverage(updates, recomputeStatistics, model::stateDict);
    }

    /** A host copy of the running sum {@code s} (flat, the model's parameter layout). Synchronises. */
    float[] sum() {
        return sum.toFloatArray();
    }

    /** Restores the running sum saved by {@link #sum()}. */
    void load(float[] saved) {
        if (saved.length != sum.size()) {
            throw new IllegalArgumentException("the saved weight average has " + saved.length + " values, this "
                    + "generator has " + sum.size() + " (with alignment padding): was it saved for another model?");
        }
        backend.copyFromHost(saved, sum);
    }

    @Override
    public void close() {
        sum.close();
        if (backup != null) {
            backup.close();
            buffersBackup.close();
        }
    }
}
