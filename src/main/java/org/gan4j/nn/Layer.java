package org.gan4j.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * A forward/backward pair. Layers are thin: they declare their parameters and buffers, own their activation
 * buffers, and call {@link Backend} ops; they do no arithmetic themselves.
 *
 * <p>Life cycle: construct (pure configuration, no memory), then wrap in a {@link Model}, which allocates parameters
 * in flat buffers and attaches the backend. {@link #forward} returns a layer-owned tensor that stays valid until the
 * next forward of the same layer; it keeps a reference to its input for {@link #backward}, so the input must stay
 * unchanged until then. Activation buffers are allocated at the first call for a shape and reused while the shape
 * stays the same (static plans). Not thread-safe.
 */
public abstract class Layer implements AutoCloseable {
    private final List<Parameter> parameters = new ArrayList<>();
    private final List<StateBuffer> buffers = new ArrayList<>();
    private final Map<String, Tensor> scratch = new HashMap<>();
    private Backend backend;
    private boolean training = true;
    private boolean parameterGradients = true;

    /** Output shape for an input shape; throws {@link IllegalArgumentException} naming both when they do not fit. */
    public abstract Shape outputShape(Shape input);

    /** Computes the output for {@code x}; the result is owned by this layer. */
    public abstract Tensor forward(Tensor x);

    /**
     * Backpropagates {@code dy} (shape of the last output): accumulates parameter gradients and, when
     * {@code needInputGrad}, returns the gradient with respect to the last input (layer-owned), else null.
     */
    public abstract Tensor backward(Tensor dy, boolean needInputGrad);

    /**
     * The second backward the R1 penalty needs (Mescheder et al. 2018; docs/R1-PENALTY.md). Call after
     * {@link #forward} and a {@link #backward} that returned the input gradient {@code dx}, with {@code a} the
     * derivative of a penalty on {@code dx} with respect to {@code dx} (shape of the last input): adds that penalty's
     * derivative with respect to this layer's parameters to their gradients (when {@link #parameterGradients()}) and
     * returns its derivative with respect to the {@code dy} of that backward (shape of the last output;
     * layer-owned). Exact for layers piecewise linear in their input, whose activation pattern is that of the
     * forward ({@link #supportsR1()}); the default throws.
     *
     * @throws UnsupportedOperationException when {@link #supportsR1()} is false
     */
    public Tensor r1Backward(Tensor a) {
        throw new UnsupportedOperationException(this + " does not support the R1 penalty's second backward (it needs "
                + "layers piecewise linear in their input: Linear or Conv2d with identity, ReLU or LeakyReLU)");
    }

    /** Whether {@link #r1Backward} is exact for this layer (and its children); false unless a layer says so. */
    public boolean supportsR1() {
        return false;
    }

    /** Parameters declared by this layer itself (not its children). */
    public final List<Parameter> localParameters() {
        return List.copyOf(parameters);
    }

    /** Buffers declared by this layer itself. */
    public final List<StateBuffer> localBuffers() {
        return List.copyOf(buffers);
    }

    /** Sub-layers, in order, with their names in checkpoints; leaves have none. */
    public List<Map.Entry<String, Layer>> children() {
        return List.of();
    }

    /** Training (batch statistics, dropout on) or evaluation mode; recursive. */
    public void setTraining(boolean training) {
        this.training = training;
        for (Map.Entry<String, Layer> c : children()) {
            c.getValue().setTraining(training);
        }
    }

    public final boolean isTraining() {
        return training;
    }

    /**
     * Whether {@link #backward} accumulates parameter gradients (the default) or only propagates the input gradient,
     * e.g. through D in the generator step, where D's parameter gradients would be thrown away; recursive.
     */
    public void setParameterGradients(boolean enabled) {
        this.parameterGradients = enabled;
        for (Map.Entry<String, Layer> c : children()) {
            c.getValue().setParameterGradients(enabled);
        }
    }

    /** See {@link #setParameterGradients}. */
    public final boolean parameterGradients() {
        return parameterGradients;
    }

    /** A short description for model summaries, e.g. {@code Conv2d(1, 64, k=4, s=2, p=1, bias=false)}. */
    @Override
    public String toString() {
        return getClass().getSimpleName();
    }

    /** Frees the activation buffers this layer (and its children) allocated. Parameters belong to the Model. */
    @Override
    public void close() {
        for (Tensor t : scratch.values()) {
            t.close();
        }
        scratch.clear();
        for (Map.Entry<String, Layer> c : children()) {
            c.getValue().close();
        }
    }

    // ------------------------------------------------------------------ for subclasses

    protected final Parameter addParameter(String name, Shape shape, Parameter.Role role, int fanIn) {
        Parameter p = new Parameter(name, shape, role, fanIn);
        parameters.add(p);
        return p;
    }

    protected final StateBuffer addBuffer(String name, Shape shape, float initialValue) {
        StateBuffer b = new StateBuffer(name, shape, initialValue);
        buffers.add(b);
        return b;
    }

    /** The backend; set when a {@link Model} adopts the layer. */
    protected final Backend backend() {
        if (backend == null) {
            throw new IllegalStateException(this + " is not attached to a backend: wrap it in a Model");
        }
        return backend;
    }

    /**
     * A layer-owned tensor for {@code key} with this shape: allocated on first use, reused while the shape stays,
     * reallocated when it changes.
     */
    protected final Tensor buffer(String key, Shape shape) {
        Tensor t = scratch.get(key);
        if (t == null || !t.shape().equals(shape)) {
            if (t != null) {
                t.close();
            }
            t = backend().allocate(shape);
            scratch.put(key, t);
        }
        return t;
    }

    /** Called by {@link Model}; composites override to attach their children too (call super). */
    protected void attach(Backend backend, RandomState random) {
        if (this.backend != null) {
            throw new IllegalStateException(this + " already belongs to a Model: build a new layer for each model");
        }
        this.backend = backend;
        for (Map.Entry<String, Layer> c : children()) {
            c.getValue().attach(backend, random);
        }
    }

    /** True once a {@link Model} has adopted this layer. */
    final boolean isAttached() {
        return backend != null;
    }

    /** Throws unless {@code actual} equals {@code expected}, naming the layer and both shapes. */
    protected final void requireShape(Shape actual, Shape expected, String what) {
        if (!actual.equals(expected)) {
            throw new IllegalArgumentException(this + ": " + what + " expected shape " + expected + ", got " + actual);
        }
    }

    /** Throws unless {@code forward} ran, so {@code backward} has an input to use. */
    protected static Tensor requireForward(Tensor saved, Layer layer) {
        if (saved == null) {
            throw new IllegalStateException(layer + ": backward called before forward");
        }
        return saved;
    }
}
