package org.gan4j.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * A network on a backend: a root {@link Layer} whose parameters, gradients and state buffers live in three flat
 * tensors (parameters and gradients in the same order), so an optimizer step is one op over one range, zeroing
 * gradients is one fill and a checkpoint is one copy. Each parameter starts 64-element aligned; the padding between
 * parameters stays zero and is harmless to optimizers.
 *
 * <p>Parameter names follow PyTorch's {@code state_dict}: the path of child names joined by dots, e.g.
 * {@code 0.weight}, {@code 1.running_mean}. Not thread-safe; close it to free its memory.
 */
public final class Model implements AutoCloseable {
    private static final int ALIGN = 64;

    private final Backend backend;
    private final Layer root;
    private final Map<String, Parameter> parameters = new LinkedHashMap<>();
    private final Map<String, StateBuffer> buffers = new LinkedHashMap<>();
    private final Tensor values;
    private final Tensor grads;
    private final Tensor state;
    private final RandomState random;
    private final List<ClassConditional> conditional = new ArrayList<>();
    private final long parameterCount;

    /**
     * Allocates {@code root}'s parameters on {@code backend} (zero until {@link #initialize}), sets buffers to their
     * initial values and gives stochastic layers (dropout) a random stream keyed by {@code seed}.
     */
    public Model(Backend backend, Layer root, long seed) {
        this.backend = backend;
        this.root = root;
        checkFresh(root, Collections.newSetFromMap(new IdentityHashMap<>()));
        collect("", root);
        long paramSize = 0;
        long count = 0;
        for (Parameter p : parameters.values()) {
            paramSize = align(paramSize) + p.shape().size();
            count += p.shape().size();
        }
        long stateSize = 0;
        for (StateBuffer b : buffers.values()) {
            stateSize += b.shape().size();
        }
        this.parameterCount = count;
        this.values = backend.allocate(Shape.of((int) Math.max(1, align(paramSize))));
        this.grads = backend.allocate(values.shape());
        this.state = backend.allocate(Shape.of((int) Math.max(1, stateSize)));
        long offset = 0;
        for (Parameter p : parameters.values()) {
            offset = align(offset);
            p.bind(values.view(offset, p.shape()), grads.view(offset, p.shape()));
            offset += p.shape().size();
        }
        offset = 0;
        for (StateBuffer b : buffers.values()) {
            b.bind(state.view(offset, b.shape()));
            backend.fill(b.initialValue(), b.value());
            offset += b.shape().size();
        }
        this.random = backend.newRandom(seed);
        root.attach(backend, random);
    }

    /**
     * Before any memory is bound: every layer must be new to models and appear once, else binding would rebind the
     * parameter views of the model that owns it (or of its first position here).
     */
    private static void checkFresh(Layer layer, Set<Layer> seen) {
        if (layer.isAttached()) {
            throw new IllegalStateException(layer + " already belongs to a Model: build a new layer for each model");
        }
        if (!seen.add(layer)) {
            throw new IllegalStateException(layer + " appears twice in this model: build a separate layer for each "
                    + "position (layers keep their own activations for backward)");
        }
        for (Map.Entry<String, Layer> c : layer.children()) {
            checkFresh(c.getValue(), seen);
        }
    }

    private static long align(long n) {
        return (n + ALIGN - 1) / ALIGN * ALIGN;
    }

    private void collect(String prefix, Layer layer) {
        if (layer instanceof ClassConditional c) {
            conditional.add(c);
        }
        for (Parameter p : layer.localParameters()) {
            putUnique(parameters, prefix + p.name(), p);
        }
        for (StateBuffer b : layer.localBuffers()) {
            putUnique(buffers, prefix + b.name(), b);
        }
        for (Map.Entry<String, Layer> c : layer.children()) {
            collect(prefix + c.getKey() + ".", c.getValue());
        }
    }

    private static <T> void putUnique(Map<String, T> map, String name, T value) {
        if (map.put(name, value) != null) {
            throw new IllegalArgumentException("two tensors are named '" + name + "': is a layer used twice?");
        }
    }

    /**
     * Classes of a class-conditional model (one with {@link ClassConditional} layers, e.g. a conditional DCGAN), 0
     * for an unconditional one.
     */
    public int numClasses() {
        return conditional.isEmpty() ? 0 : conditional.get(0).numClasses();
    }

    /**
     * The class label of each sample of the next forward passes (class-conditional models only), e.g. the labels of
     * the real batch: one per sample, in {@code [0, numClasses())}; copied to the backend.
     *
     * @throws IllegalStateException when the model is not class-conditional
     */
    public void setLabels(int[] labels) {
        if (conditional.isEmpty()) {
            throw new IllegalStateException("this model is not class-conditional: it takes no class labels");
        }
        for (ClassConditional c : conditional) {
            c.setLabels(labels);
        }
    }

    /** Sets every parameter with {@code init}, drawing from a generator seeded with {@code seed} in name order. */
    public Model initialize(Init init, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Parameter p : parameters.values()) {
            backend.copyFromHost(init.values(p, rng), p.value());
        }
        return this;
    }

    public Backend backend() {
        return backend;
    }

    public Layer root() {
        return root;
    }

    /** Output shape of the network for an input shape (including the batch dimension). */
    public Shape outputShape(Shape input) {
        return root.outputShape(input);
    }

    /** Runs the network; the output is owned by the last layer and valid until the next forward. */
    public Tensor forward(Tensor x) {
        return root.forward(x);
    }

    /** Backpropagates {@code dy}, accumulating into {@link #gradients()}; returns no input gradient. */
    public void backward(Tensor dy) {
        root.backward(dy, false);
    }

    /** Backpropagates {@code dy} and returns the gradient with respect to the input (owned by the first layer). */
    public Tensor backwardToInput(Tensor dy) {
        return root.backward(dy, true);
    }

    /**
     * The R1 penalty's second backward ({@link Layer#r1Backward}): after {@link #forward} and a backward that returned
     * the input gradient {@code dx}, adds to {@link #gradients()} the parameter gradient of a penalty on {@code dx}
     * whose derivative with respect to {@code dx} is {@code a} (shape of the input). E.g. for
     * {@code gamma / 2 * mean_n ||dx_n||^2} with {@code dy = 1} per logit, {@code a = gamma / N * dx}.
     *
     * @throws UnsupportedOperationException when a layer is not piecewise linear in its input ({@link #supportsR1})
     */
    public void r1Backward(Tensor a) {
        root.r1Backward(a);
    }

    /**
     * Whether {@link #r1Backward} is exact for this network: Linear, Conv2d, reshapes and identity, ReLU or LeakyReLU
     * activations only (no batch norm, dropout, tanh or sigmoid).
     */
    public boolean supportsR1() {
        return root.supportsR1();
    }

    /**
     * Backpropagates {@code dy} to the input without touching {@link #gradients()}: the weight-gradient work is
     * skipped. For passing a gradient through a network that is not being trained at that moment (D in the
     * generator step of a GAN).
     */
    public Tensor backwardToInputOnly(Tensor dy) {
        root.setParameterGradients(false);
        try {
            return root.backward(dy, true);
        } finally {
            root.setParameterGradients(true);
        }
    }

    /** Sets every gradient to zero (one fill over the flat gradient buffer). */
    public void zeroGrad() {
        backend.fill(0f, grads);
    }

    /** Training mode: batch statistics, dropout active. */
    public void train() {
        root.setTraining(true);
    }

    /** Evaluation mode: running statistics, dropout off. */
    public void eval() {
        root.setTraining(false);
    }

    public boolean isTraining() {
        return root.isTraining();
    }

    /** All parameter values, flat (with alignment padding). */
    public Tensor parameters() {
        return values;
    }

    /** All gradients, flat, in the order of {@link #parameters()}. */
    public Tensor gradients() {
        return grads;
    }

    /** All state buffers (running statistics), flat. */
    public Tensor stateBuffers() {
        return state;
    }

    /** Parameters by full name, in allocation order. */
    public Map<String, Parameter> namedParameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** State buffers by full name. */
    public Map<String, StateBuffer> namedBuffers() {
        return Collections.unmodifiableMap(buffers);
    }

    /** Number of trainable scalars (without padding). */
    public long parameterCount() {
        return parameterCount;
    }

    /** The random stream of stochastic layers (to save and restore its counter). */
    public RandomState random() {
        return random;
    }

    /** Copies every parameter and buffer to the host, by name (parameters first), e.g. for checkpoints. */
    public Map<String, float[]> stateDict() {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : parameters.entrySet()) {
            out.put(e.getKey(), e.getValue().value().toFloatArray());
        }
        for (Map.Entry<String, StateBuffer> e : buffers.entrySet()) {
            out.put(e.getKey(), e.getValue().value().toFloatArray());
        }
        return out;
    }

    /** The shape of every entry of {@link #stateDict()}. */
    public Map<String, Shape> stateShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        parameters.forEach((k, v) -> out.put(k, v.shape()));
        buffers.forEach((k, v) -> out.put(k, v.shape()));
        return out;
    }

    /**
     * Loads parameters and buffers by name. Every entry of {@link #stateShapes()} must be present with the right
     * element count; names the model does not have are an error unless listed in {@code ignored}.
     */
    public void loadStateDict(Map<String, float[]> dict, List<String> ignored) {
        Map<String, Shape> shapes = stateShapes();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            float[] v = dict.get(e.getKey());
            if (v == null) {
                problems.add("missing '" + e.getKey() + "' " + e.getValue());
            } else if (v.length != e.getValue().size()) {
                problems.add("'" + e.getKey() + "' has " + v.length + " values, model expects " + e.getValue());
            }
        }
        for (String name : dict.keySet()) {
            if (!shapes.containsKey(name) && !ignored.contains(name)) {
                problems.add("unexpected '" + name + "'");
            }
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("state does not fit this model: " + String.join("; ", problems));
        }
        parameters.forEach((k, p) -> backend.copyFromHost(dict.get(k), p.value()));
        buffers.forEach((k, b) -> backend.copyFromHost(dict.get(k), b.value()));
    }

    /** A one-line-per-layer summary with shapes for {@code input}. */
    public String summary(Shape input) {
        StringBuilder b = new StringBuilder();
        b.append(root.getClass().getSimpleName()).append(" on ").append(backend.name()).append(", ")
                .append(parameterCount).append(" parameters\n");
        Shape s = input;
        for (Map.Entry<String, Layer> c : root.children()) {
            s = c.getValue().outputShape(s);
            b.append(String.format("  %-4s %-50s -> %s%n", c.getKey(), c.getValue(), s));
        }
        return b.toString();
    }

    /** Frees activation buffers, parameters, gradients, state and the random stream. */
    @Override
    public void close() {
        root.close();
        random.close();
        values.close();
        grads.close();
        state.close();
    }
}
