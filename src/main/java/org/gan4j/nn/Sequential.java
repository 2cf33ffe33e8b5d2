package org.gan4j.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gan4j.backend.Activation;
import org.gan4j.backend.Backend;
import org.gan4j.backend.RandomState;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Layers applied in order, PyTorch {@code nn.Sequential}; children are named {@code 0, 1, ...} in checkpoints.
 *
 * <p>Fusion: when attached to a backend, an {@link ActivationLayer} that directly follows a {@link FusableLayer}
 * (Linear, Conv2d, ConvTranspose2d, BatchNorm) is folded into that layer's op and skipped, which saves a pass over
 * memory and gives the same values. {@link #withoutFusion} keeps every layer separate (used to test exactly that).
 */
public final class Sequential extends Layer {
    private final List<Layer> layers;
    private final boolean fuse;
    private final List<Layer> plan = new ArrayList<>();

    public Sequential(Layer... layers) {
        this(true, layers);
    }

    private Sequential(boolean fuse, Layer... layers) {
        if (layers.length == 0) {
            throw new IllegalArgumentException("Sequential needs at least one layer");
        }
        this.layers = List.of(layers);
        this.fuse = fuse;
    }

    /** The layers of {@code head} followed by {@code tail}, e.g. a network with optional first layers. */
    public static Sequential of(Layer[] head, Layer... tail) {
        Layer[] all = java.util.Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, all, head.length, tail.length);
        return new Sequential(all);
    }

    /** A Sequential that runs every activation as its own layer. */
    public static Sequential withoutFusion(Layer... layers) {
        return new Sequential(false, layers);
    }

    /** The layers as given. */
    public List<Layer> layers() {
        return layers;
    }

    @Override
    public List<Map.Entry<String, Layer>> children() {
        List<Map.Entry<String, Layer>> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            out.add(Map.entry(Integer.toString(i), layers.get(i)));
        }
        return out;
    }

    @Override
    protected void attach(Backend backend, RandomState random) {
        super.attach(backend, random);
        plan.clear();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            plan.add(l);
            if (fuse && l instanceof FusableLayer f && f.fusedActivation() == Activation.IDENTITY
                    && i + 1 < layers.size() && layers.get(i + 1) instanceof ActivationLayer a) {
                f.fuseActivation(a.activation());
                i++;
            }
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (Layer l : layers) {
            s = l.outputShape(s);
        }
        return s;
    }

    @Override
    public Tensor forward(Tensor x) {
        if (plan.isEmpty()) {
            throw new IllegalStateException("Sequential is not attached to a backend: wrap it in a Model");
        }
        Tensor h = x;
        for (Layer l : plan) {
            h = l.forward(h);
        }
        return h;
    }

    @Override
    public Tensor backward(Tensor dy, boolean needInputGrad) {
        Tensor g = dy;
        for (int i = plan.size() - 1; i >= 0; i--) {
            g = plan.get(i).backward(g, i > 0 || needInputGrad);
        }
        return g;
    }

    /** The layers' {@link Layer#r1Backward} from the first to the last (the adjoint runs forward). */
    @Override
    public Tensor r1Backward(Tensor a) {
        if (plan.isEmpty()) {
            throw new IllegalStateException("Sequential is not attached to a backend: wrap it in a Model");
        }
        Tensor h = a;
        for (Layer l : plan) {
            h = l.r1Backward(h);
        }
        return h;
    }

    /** True when every layer's is. */
    @Override
    public boolean supportsR1() {
        return layers.stream().allMatch(Layer::supportsR1);
    }

    @Override
    public String toString() {
        return "Sequential(" + layers.size() + " layers)";
    }
}
