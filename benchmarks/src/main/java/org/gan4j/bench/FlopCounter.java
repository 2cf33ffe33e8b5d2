package org.gan4j.bench;

import java.util.ArrayList;
import java.util.List;

import org.gan4j.nn.Conv2d;
import org.gan4j.nn.ConvTranspose2d;
import org.gan4j.nn.Layer;
import org.gan4j.nn.Linear;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;

/**
 * Floating-point operations of the weighted layers (Conv2d, ConvTranspose2d, Linear), counted from the layer shapes
 * as {@code 2 * multiply-accumulates}; batch norm, activations, losses and the optimizer are not counted (they are
 * memory-bound and a few percent of the arithmetic).
 *
 * <p>Multiply-accumulates of one forward pass, for batch N: Conv2d {@code N Ho Wo Cout Cin k^2}; ConvTranspose2d
 * (weight {@code (Cin, Cout, k, k)}) {@code N Hin Win Cin Cout k^2}; Linear {@code N in out}. The backward pass
 * costs the same again for the weight gradient and the same again for the input gradient, which gan4j (like
 * PyTorch's autograd) skips for the first layer of a network when nothing needs the gradient of its input.
 *
 * <p>One GAN iteration ({@link #iterationFlops}) runs, as pytorch/examples dcgan does: G forward once; D forward three
 * times (real, fake for D's step, fake again for G's step); D backward three times, of which only the last needs
 * D's input gradient; G backward once, without G's input gradient.
 */
public final class FlopCounter {
    private FlopCounter() {
    }

    /** A weighted layer: its position in the Sequential, a description, and its forward multiply-accumulates. */
    public record LayerCount(int index, String layer, Shape input, Shape output, long forwardMacs) {
    }

    /** The weighted layers of {@code net} for an input of shape {@code input}, in order. */
    public static List<LayerCount> layers(Sequential net, Shape input) {
        List<LayerCount> out = new ArrayList<>();
        Shape s = input;
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            Shape y = l.outputShape(s);
            long macs = -1;
            if (l instanceof Conv2d c) {
                macs = (long) y.dim(0) * y.dim(2) * y.dim(3) * c.weight().shape().size();
            } else if (l instanceof ConvTranspose2d c) {
                macs = (long) s.dim(0) * s.dim(2) * s.dim(3) * c.weight().shape().size();
            } else if (l instanceof Linear c) {
                macs = (long) s.dim(0) * c.weight().shape().size();
            }
            if (macs >= 0) {
                out.add(new LayerCount(i, l.toString(), s, y, macs));
            }
            s = y;
        }
        return out;
    }

    /** FLOPs of one forward pass. */
    public static long forwardFlops(Sequential net, Shape input) {
        long macs = 0;
        for (LayerCount c : layers(net, input)) {
            macs += c.forwardMacs();
        }
        return 2 * macs;
    }

    /**
     * FLOPs of one backward pass: weight gradient of every weighted layer, input gradient of every weighted layer
     * except one at position 0 when {@code needInputGrad} is false.
     */
    public static long backwardFlops(Sequential net, Shape input, boolean needInputGrad) {
        long macs = 0;
        for (LayerCount c : layers(net, input)) {
            macs += c.forwardMacs();
            if (c.index() > 0 || needInputGrad) {
                macs += c.forwardMacs();
            }
        }
        return 2 * macs;
    }

    /** FLOPs of one full GAN iteration at this configuration (see the class comment for what runs). */
    public static long iterationFlops(GanConfig config) {
        Sequential g = config.generator();
        Sequential d = config.discriminator();
        Shape z = config.latentShape();
        Shape x = config.imageShape();
        return forwardFlops(g, z) + 3 * forwardFlops(d, x) + 2 * backwardFlops(d, x, false)
                + backwardFlops(d, x, true) + backwardFlops(g, z, false);
    }

    /** The common estimate: 3 x the forward FLOPs of everything run forward (G once, D three times). */
    public static long threeTimesForwardFlops(GanConfig config) {
        return 3 * (forwardFlops(config.generator(), config.latentShape())
                + 3 * forwardFlops(config.discriminator(), config.imageShape()));
    }

    /** Prints the per-layer count and the per-image totals of both DCGANs (used for BENCHMARKS.md). */
    public static void main(String[] args) {
        for (String name : args.length > 0 ? args : new String[] {"dcgan28-1", "dcgan64-1"}) {
            GanConfig c = GanConfig.parse(name.endsWith("-1") ? name.substring(0, name.length() - 2) + "-2" : name);
            System.out.println(c.model() + " (per image):");
            for (String net : new String[] {"G", "D"}) {
                Sequential s = net.equals("G") ? c.generator() : c.discriminator();
                Shape in = net.equals("G") ? c.latentShape() : c.imageShape();
                for (LayerCount l : layers(s, in)) {
                    System.out.printf("  %s.%-2d %-45s %-18s -> %-18s %8.3f MFLOP forward%n", net, l.index(),
                            l.layer(), l.input().withBatch(1), l.output().withBatch(1),
                            2.0 * l.forwardMacs() / c.batch() / 1e6);
                }
            }
            System.out.printf("  G forward %.2f MFLOP, D forward %.2f MFLOP, iteration %.1f MFLOP "
                    + "(3 x forward estimate %.1f MFLOP)%n",
                    forwardFlops(c.generator(), c.latentShape()) / (double) c.batch() / 1e6,
                    forwardFlops(c.discriminator(), c.imageShape()) / (double) c.batch() / 1e6,
                    iterationFlops(c) / (double) c.batch() / 1e6, threeTimesForwardFlops(c) / (double) c.batch() / 1e6);
        }
    }
}
