package org.gan4j.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.gan4j.backend.Backend;
import org.gan4j.nn.Model;
import org.gan4j.tensor.Tensor;

/**
 * What every optimizer shares: the model and its backend, the learning rate and its validation, and the state
 * tensors' copy to and from the host and their freeing. A subclass names its state tensors ({@link #stateTensors()})
 * and does its step.
 */
abstract class AbstractOptimizer implements Optimizer {
    /** For messages: {@code Adam} or {@code Sgd}. */
    private final String kind;
    protected final Model model;
    protected final Backend backend;
    protected float lr;

    /** @throws IllegalArgumentException for a null model or lr not finite and {@code >= 0} */
    AbstractOptimizer(String kind, Model model, float lr) {
        if (model == null) {
            throw new IllegalArgumentException(kind + ": model must not be null");
        }
        this.kind = kind;
        this.lr = check("lr", lr, 0f, Float.MAX_VALUE);
        this.model = model;
        this.backend = model.backend();
    }

    /** The state tensors by name, in the order {@link #state()} lists them (none allocated: an empty map). */
    protected abstract Map<String, Tensor> stateTensors();

    /** Throws unless {@code min <= value <= max} (so NaN always fails), naming the field and the valid range. */
    final float check(String name, float value, float min, float max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(kind + ": " + name + " must be in [" + min + ", " + max
                    + "], got " + value);
        }
        return value;
    }

    @Override
    public final float learningRate() {
        return lr;
    }

    @Override
    public final void setLearningRate(float lr) {
        this.lr = check("lr", lr, 0f, Float.MAX_VALUE);
        learningRateChanged();
    }

    /** Called after {@link #setLearningRate} (outside any step), e.g. to copy the rate to the device. */
    protected void learningRateChanged() {
    }

    @Override
    public final Map<String, float[]> state() {
        Map<String, float[]> out = new LinkedHashMap<>();
        stateTensors().forEach((name, t) -> out.put(name, t.toFloatArray()));
        return out;
    }

    /** Checks {@code state} has exactly the entries of {@link #stateTensors()}, each of its size, then copies it. */
    @Override
    public final void loadState(Map<String, float[]> state) {
        Map<String, Tensor> expected = stateTensors();
        if (state == null) {
            throw new IllegalArgumentException(kind + ": state must not be null");
        }
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(kind + ": unexpected state entries " + unexpected
                    + "; expected exactly " + expected.keySet());
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            float[] v = state.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException(kind + ": state entry '" + e.getKey() + "' is missing; "
                        + "expected entries " + expected.keySet());
            }
            if (v.length != e.getValue().size()) {
                throw new IllegalArgumentException(kind + ": state entry '" + e.getKey() + "' has " + v.length
                        + " values, expected " + e.getValue().size() + " (is it from a different model?)");
            }
        }
        expected.forEach((name, t) -> backend.copyFromHost(state.get(name), t));
    }

    /** Frees the state tensors (subclasses free what else they hold, then call this). */
    @Override
    public void close() {
        stateTensors().values().forEach(Tensor::close);
    }
}
