package org.gan4j.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.gan4j.tensor.Tensor;

/** Validation and state copying shared by the optimizers. */
final class OptimizerSupport {
    private OptimizerSupport() {
    }

    /** Throws unless {@code min <= value <= max} (so NaN always fails), naming the field and the valid range. */
    static float check(String optimizer, String name, float value, float min, float max) {
        if (!(value >= min && value <= max)) {
            throw new IllegalArgumentException(optimizer + ": " + name + " must be in [" + min + ", " + max
                    + "], got " + value);
        }
        return value;
    }

    /** Throws unless {@code state} has exactly the names in {@code expected}, each with the given tensor's size. */
    static void checkState(String optimizer, Map<String, float[]> state, Map<String, Tensor> expected) {
        if (state == null) {
            throw new IllegalArgumentException(optimizer + ": state must not be null");
        }
        Set<String> unexpected = new TreeSet<>(state.keySet());
        unexpected.removeAll(expected.keySet());
        if (!unexpected.isEmpty()) {
            throw new IllegalArgumentException(optimizer + ": unexpected state entries " + unexpected
                    + "; expected exactly " + expected.keySet());
        }
        for (Map.Entry<String, Tensor> e : expected.entrySet()) {
            float[] v = state.get(e.getKey());
            if (v == null) {
                throw new IllegalArgumentException(optimizer + ": state entry '" + e.getKey() + "' is missing; "
                        + "expected entries " + expected.keySet());
            }
            if (v.length != e.getValue().size()) {
                throw new IllegalArgumentException(optimizer + ": state entry '" + e.getKey() + "' has " + v.length
                        + " values, expected " + e.getValue().size() + " (is it from a different model?)");
            }
        }
    }

    /** Every state tensor copied to the host, by name, in order. */
    static Map<String, float[]> toHost(Map<String, Tensor> tensors) {
        Map<String, float[]> out = new LinkedHashMap<>();
        tensors.forEach((name, t) -> out.put(name, t.toFloatArray()));
        return out;
    }

    /** Checks {@code state} against {@code tensors} (see {@link #checkState}), then copies it into them. */
    static void fromHost(String optimizer, Map<String, float[]> state, Map<String, Tensor> tensors) {
        checkState(optimizer, state, tensors);
        tensors.forEach((name, t) -> t.backend().copyFromHost(state.get(name), t));
    }
}
