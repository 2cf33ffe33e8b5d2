package org.gan4j.bench;

import static org.bytedeco.pytorch.global.torch.binary_cross_entropy_with_logits;
import static org.bytedeco.pytorch.global.torch.randn;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.ConvTranspose2dImpl;
import org.bytedeco.pytorch.ConvTranspose2dOptions;
import org.bytedeco.pytorch.FlattenImpl;
import org.bytedeco.pytorch.LeakyReLUImpl;
import org.bytedeco.pytorch.LeakyReLUOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.ReLUImpl;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.TanhImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.UnflattenImpl;
import org.bytedeco.pytorch.global.torch;

/**
 * gan4j's DCGANs ({@code org.gan4j.models.Dcgan28}, {@code Dcgan64}) layer for layer in libtorch, through JavaCPP's
 * {@code org.bytedeco:pytorch} preset, and PyTorch's DCGAN optimiser: shared by {@link LibtorchIterationBenchmark}
 * (the cost of one step) and {@link LibtorchFmnistRecipe} (PyTorch's whole recipe, trained, then scored by
 * {@code gan4j eval}).
 * Layer {@code i} of a network is registered as {@code "i"}, as {@code nn.Sequential} names it, so parameter names
 * ({@code "0.weight"}, {@code "1.running_mean"}) are gan4j's {@code Model.stateDict()} names.
 */
final class LibtorchDcgan {
    private LibtorchDcgan() {
    }

    // ------------------------------------------------------------------ the networks, as in org.gan4j.models

    /**
     * A sequence of registered submodules run in order (libtorch's {@code nn::Sequential}, written out: children
     * registered from Java with {@code register_module} keep their ownership straight, which the preset's
     * {@code SequentialImpl.push_back} did not in our runs).
     */
    static final class Net extends Module {
        private final java.util.List<java.util.function.UnaryOperator<Tensor>> layers = new java.util.ArrayList<>();

        void push_back(LinearImpl m) {
            LinearImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(Conv2dImpl m) {
            Conv2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(ConvTranspose2dImpl m) {
            ConvTranspose2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(x -> r.forward(x));
        }

        void push_back(BatchNorm1dImpl m) {
            BatchNorm1dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(BatchNorm2dImpl m) {
            BatchNorm2dImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(ReLUImpl m) {
            ReLUImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(LeakyReLUImpl m) {
            LeakyReLUImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(TanhImpl m) {
            TanhImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(FlattenImpl m) {
            FlattenImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        void push_back(UnflattenImpl m) {
            UnflattenImpl r = register_module(Integer.toString(layers.size()), m);
            layers.add(r::forward);
        }

        Tensor forward(Tensor x) {
            Tensor h = x;
            for (java.util.function.UnaryOperator<Tensor> l : layers) {
                h = l.apply(h);
            }
            return h;
        }
    }

    /**
     * PyTorch's DCGAN optimiser settings: Adam, lr 2e-4, betas (0.5, 0.999), eps 1e-8. {@code betas()} points at a
     * {@code std::tuple<double, double>}, which libstdc++ lays out last element first: (beta2, beta1) in memory.
     * Writing {0.5, 0.999} there gave beta1 = 0.999 and beta2 = 0.5 (training then swung between D(G(z)) 0 and 1
     * within a few steps); {@link #requireDcganBetas()} checks the order on an actual Adam step.
     */
    /**
     * What one {@link #step} leaves: D's logits on the real and the fake batch (before D's update) and the three
     * losses, live until the caller's {@link PointerScope} closes.
     */
    record StepResult(Tensor realLogits, Tensor fakeLogits, Tensor dReal, Tensor dFake, Tensor g) {
    }

    /**
     * One iteration of PyTorch's DCGAN loop (pytorch/examples dcgan/main.py): D's step on the real batch (targets
     * {@code ones}) and on a fresh fake batch from noise of shape {@code latent} (targets {@code zeros}), then G's step
     * through the updated D; binary cross-entropy from logits. Call it inside a {@link PointerScope}, which frees the
     * step's temporaries.
     */
    static StepResult step(Net g, Net d, Adam optG, Adam optD, Tensor real, Tensor ones, Tensor zeros, long... latent) {
        optD.zero_grad();
        Tensor realLogits = d.forward(real);
        Tensor errReal = binary_cross_entropy_with_logits(realLogits, ones);
        errReal.backward();
        Tensor fake = g.forward(randn(latent));
        Tensor fakeLogits = d.forward(fake.detach());
        Tensor errFake = binary_cross_entropy_with_logits(fakeLogits, zeros);
        errFake.backward();
        optD.step();

        optG.zero_grad();
        Tensor errG = binary_cross_entropy_with_logits(d.forward(fake), ones);
        errG.backward();
        optG.step();
        return new StepResult(realLogits, fakeLogits, errReal, errFake, errG);
    }

    static AdamOptions adam() {
        AdamOptions o = new AdamOptions(2e-4);
        o.betas().put(new double[] {0.999, 0.5}); // (beta2, beta1): libstdc++'s tuple layout, see above
        o.eps().put(1e-8);
        return o;
    }

    /**
     * Checks that {@link #adam()} is Adam(2e-4, betas (0.5, 0.999)): its {@link #twoStepMove} equals
     * {@link #expectedTwoStepMove} for those settings to 1e-4 relative (float32 rounding of p).
     *
     * @throws IllegalStateException if it does not (the betas are not laid out as assumed)
     */
    static void requireDcganBetas() {
        double expected = expectedTwoStepMove(2e-4, 0.5, 0.999);
        double got = twoStepMove(adam());
        if (Math.abs(got - expected) > 1e-4 * Math.abs(expected)) {
            throw new IllegalStateException("libtorch Adam moved p to " + got + ", expected " + expected
                    + " for betas (0.5, 0.999): AdamOptions.betas() is not laid out as LibtorchDcgan assumes");
        }
    }

    /** Where libtorch's Adam with options {@code o} takes one parameter p = 0 in two steps: gradient 1, then 0. */
    static double twoStepMove(AdamOptions o) {
        try (PointerScope scope = new PointerScope()) {
            Tensor p = torch.zeros(1).requires_grad_(true);
            org.bytedeco.pytorch.Adam opt = new org.bytedeco.pytorch.Adam(new org.bytedeco.pytorch.TensorVector(p), o);
            for (double grad : new double[] {1, 0}) {
                opt.zero_grad();
                p.mul(new Scalar(grad)).sum().backward();
                opt.step();
            }
            return p.item_double();
        }
    }

    /**
     * {@link #twoStepMove} by hand (eps neglected): step 1 moves p by -lr whatever the betas; step 2 by
     * -lr * (b1 / (1 + b1)) / sqrt(b2 / (1 + b2)), from the bias-corrected moments of the gradients 1, 0:
     * -0.4715 lr for (0.5, 0.999), -0.8656 lr for (0.999, 0.5).
     */
    static double expectedTwoStepMove(double lr, double b1, double b2) {
        return -lr * (1 + (b1 / (1 + b1)) / Math.sqrt(b2 / (1 + b2)));
    }

    static Net generator28() {
        Net s = new Net();
        s.push_back(linear(100, 128 * 7 * 7, false));
        s.push_back(new BatchNorm1dImpl(new BatchNormOptions(128 * 7 * 7)));
        s.push_back(new ReLUImpl());
        s.push_back(new UnflattenImpl(1, new LongVector(128, 7, 7)));
        s.push_back(convT(128, 64, 2, 1));
        s.push_back(new BatchNorm2dImpl(new BatchNormOptions(64)));
        s.push_back(new ReLUImpl());
        s.push_back(convT(64, 1, 2, 1));
        s.push_back(new TanhImpl());
        return s;
    }

    static Net discriminator28() {
        Net s = new Net();
        s.push_back(conv(1, 64, 2, 1));
        s.push_back(leaky());
        s.push_back(conv(64, 128, 2, 1));
        s.push_back(new BatchNorm2dImpl(new BatchNormOptions(128)));
        s.push_back(leaky());
        s.push_back(new FlattenImpl());
        s.push_back(linear(128 * 7 * 7, 1, true));
        return s;
    }

    static Net generator64() {
        Net s = new Net();
        int[] ch = {100, 512, 256, 128, 64};
        for (int i = 0; i + 1 < ch.length; i++) {
            s.push_back(i == 0 ? convT(ch[i], ch[i + 1], 1, 0) : convT(ch[i], ch[i + 1], 2, 1));
            s.push_back(new BatchNorm2dImpl(new BatchNormOptions(ch[i + 1])));
            s.push_back(new ReLUImpl());
        }
        s.push_back(convT(64, 3, 2, 1));
        s.push_back(new TanhImpl());
        return s;
    }

    static Net discriminator64() {
        Net s = new Net();
        int[] ch = {3, 64, 128, 256, 512};
        for (int i = 0; i + 1 < ch.length; i++) {
            s.push_back(conv(ch[i], ch[i + 1], 2, 1));
            if (i > 0) {
                s.push_back(new BatchNorm2dImpl(new BatchNormOptions(ch[i + 1])));
            }
            s.push_back(leaky());
        }
        s.push_back(conv(512, 1, 1, 0));
        s.push_back(new FlattenImpl());
        return s;
    }

    private static LinearImpl linear(int in, int out, boolean bias) {
        LinearOptions o = new LinearOptions(in, out);
        o.bias().put(bias);
        return new LinearImpl(o);
    }

    /** 4x4 convolution without bias. */
    private static Conv2dImpl conv(int in, int out, int stride, int pad) {
        Conv2dOptions o = new Conv2dOptions(in, out, new LongPointer(4L, 4L));
        o.stride().put(new long[] {stride, stride});
        o.padding().put(new LongPointer((long) pad, (long) pad));
        o.bias().put(false);
        return new Conv2dImpl(o);
    }

    /** 4x4 transposed convolution without bias. */
    private static ConvTranspose2dImpl convT(int in, int out, int stride, int pad) {
        ConvTranspose2dOptions o = new ConvTranspose2dOptions(in, out, new LongPointer(4L, 4L));
        o.stride().put(new long[] {stride, stride});
        o.padding().put(new long[] {pad, pad});
        o.bias().put(false);
        return new ConvTranspose2dImpl(o);
    }

    private static LeakyReLUImpl leaky() {
        LeakyReLUOptions o = new LeakyReLUOptions();
        o.negative_slope().put(0.2);
        return new LeakyReLUImpl(o);
    }

    static long[] toLong(int[] dims) {
        long[] out = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            out[i] = dims[i];
        }
        return out;
    }

    static void requireShape(Tensor t, int[] expected, String what) {
        boolean ok = t.dim() == expected.length;
        for (int i = 0; ok && i < expected.length; i++) {
            ok = t.size(i) == expected[i];
        }
        if (!ok) {
            StringBuilder got = new StringBuilder();
            for (int i = 0; i < t.dim(); i++) {
                got.append(i == 0 ? "" : ", ").append(t.size(i));
            }
            throw new IllegalStateException("libtorch " + what + " has shape (" + got + "), expected "
                    + java.util.Arrays.toString(expected) + ": the network does not match gan4j's");
        }
    }
}
