package org.gan4j.bench;

import java.util.LinkedHashMap;
import java.util.Map;

import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Shape;

/**
 * The real DCGAN layer shapes that {@link OpBenchmark} runs each backend op at, by name, with the work each op does,
 * so that {@link BenchReport} can turn times into GFLOP/s (convolutions) or GB/s (memory-bound ops).
 *
 * <p><b>Convolutions</b> are given in convolution terms, {@code x: (N, Cin, H, H)} by {@code w: (Cout, Cin, 4, 4)};
 * the three primitives (forward, backward-data, backward-filter) each cost {@code 2 N Ho Wo Cout Cin k^2} FLOPs. The
 * generators' transposed convolutions run the same primitives at the same shapes with the roles swapped (a
 * ConvTranspose2d's forward is the backward-data of the convolution from its output to its input), so each shape is
 * listed once: {@code d28.conv2} is also G28's ConvT(128, 64) 7->14, {@code d64.conv4} also G64's ConvT(512, 256),
 * and so on; {@code g64.convT1} is G64's first layer, ConvT(100, 512) 1->4.
 *
 * <p><b>Memory-bound ops</b> count the bytes an ideal fused kernel moves (F32): batch norm forward reads x and writes
 * y ({@code 8 n}); its backward reads x, y, dy and writes dx ({@code 16 n}); bias+activation forward {@code 8 n},
 * backward (reads y, dy, writes dx) {@code 12 n}; BCE-with-logits (reads logits and targets, writes the gradient)
 * {@code 12 n}; Adam (reads grad, param, m, v, writes param, m, v) {@code 28 n}. The bf16 batch norms
 * ({@code batchNormForwardBf16}, {@code batchNormBackwardBf16}: bf16 NHWC activations, float32 statistics) move
 * half of that: {@code 4 n} and {@code 8 n}. An implementation that makes more passes shows a lower GB/s, which is
 * the point (gan4j's batch norms read their inputs twice: statistics, then the elementwise pass).
 */
public final class OpCases {
    private OpCases() {
    }

    /** A convolution at batch-independent shape: input {@code (Cin, h, h)}, {@code cout} 4x4 filters. */
    public record Conv(int cin, int h, int cout, int stride, int pad) {
        public static final int K = 4;

        public ConvParams params() {
            return ConvParams.of(stride, pad);
        }

        public Shape x(int n) {
            return Shape.of(n, cin, h, h);
        }

        public Shape w() {
            return Shape.of(cout, cin, K, K);
        }

        public Shape y(int n) {
            return params().outputShape(x(n), w());
        }

        /** FLOPs of any one of the three primitives at batch n. */
        public long flops(int n) {
            Shape y = y(n);
            return 2L * n * y.dim(2) * y.dim(3) * cout * cin * K * K;
        }
    }

    /** A batch norm (or bias + activation) input of one sample, {@code (C)} or {@code (C, H, W)}, with activation. */
    public record Norm(int[] sample, Activation act) {
        public Shape x(int n) {
            int[] d = new int[sample.length + 1];
            d[0] = n;
            System.arraycopy(sample, 0, d, 1, sample.length);
            return Shape.of(d);
        }

        public int channels() {
            return sample[0];
        }
    }

    private static final Activation LRELU = Activation.leakyRelu(0.2f);

    /** Convolutions of both DCGANs (JMH parameter values of {@link OpBenchmark.ConvState#layer}). */
    public static final Map<String, Conv> CONV = new LinkedHashMap<>();
    /** Batch norms with their fused activation. */
    public static final Map<String, Norm> BATCH_NORM = new LinkedHashMap<>();
    /** Bias + activation ops (the convolutions' fused activations without batch norm). */
    public static final Map<String, Norm> BIAS_ACTIVATION = new LinkedHashMap<>();

    static {
        CONV.put("d28.conv1", new Conv(1, 28, 64, 2, 1));
        CONV.put("d28.conv2", new Conv(64, 14, 128, 2, 1));
        CONV.put("d64.conv1", new Conv(3, 64, 64, 2, 1));
        CONV.put("d64.conv2", new Conv(64, 32, 128, 2, 1));
        CONV.put("d64.conv3", new Conv(128, 16, 256, 2, 1));
        CONV.put("d64.conv4", new Conv(256, 8, 512, 2, 1));
        CONV.put("d64.conv5", new Conv(512, 4, 1, 1, 0));
        CONV.put("g64.convT1", new Conv(512, 4, 100, 1, 0));

        BATCH_NORM.put("g28.bn1", new Norm(new int[] {128 * 7 * 7}, Activation.RELU));
        BATCH_NORM.put("g28.bn2", new Norm(new int[] {64, 14, 14}, Activation.RELU));
        BATCH_NORM.put("d28.bn", new Norm(new int[] {128, 7, 7}, LRELU));
        BATCH_NORM.put("g64.bn1", new Norm(new int[] {512, 4, 4}, Activation.RELU));
        BATCH_NORM.put("g64.bn2", new Norm(new int[] {256, 8, 8}, Activation.RELU));
        BATCH_NORM.put("g64.bn3", new Norm(new int[] {128, 16, 16}, Activation.RELU));
        BATCH_NORM.put("g64.bn4", new Norm(new int[] {64, 32, 32}, Activation.RELU));
        BATCH_NORM.put("d64.bn2", new Norm(new int[] {128, 16, 16}, LRELU));
        BATCH_NORM.put("d64.bn3", new Norm(new int[] {256, 8, 8}, LRELU));
        BATCH_NORM.put("d64.bn4", new Norm(new int[] {512, 4, 4}, LRELU));

        BIAS_ACTIVATION.put("d28.lrelu1", new Norm(new int[] {64, 14, 14}, LRELU));
        BIAS_ACTIVATION.put("g28.tanh", new Norm(new int[] {1, 28, 28}, Activation.TANH));
        BIAS_ACTIVATION.put("d64.lrelu1", new Norm(new int[] {64, 32, 32}, LRELU));
        BIAS_ACTIVATION.put("g64.tanh", new Norm(new int[] {3, 64, 64}, Activation.TANH));
    }

    static <T> T lookup(Map<String, T> cases, String name) {
        T c = cases.get(name);
        if (c == null) {
            throw new IllegalArgumentException("unknown layer '" + name + "': use one of " + cases.keySet());
        }
        return c;
    }

    /**
     * FLOPs ({@code flops = true}) or bytes of one call of {@link OpBenchmark} method {@code method} with JMH
     * parameters {@code params}, or -1 when the method is not known.
     */
    public static long work(String method, Map<String, String> params, boolean[] flops) {
        int n = params.containsKey("batch") ? Integer.parseInt(params.get("batch")) : 0;
        flops[0] = false;
        switch (method) {
            case "convForward", "convBackwardData", "convBackwardFilter" -> {
                flops[0] = true;
                return lookup(CONV, params.get("layer")).flops(n);
            }
            case "batchNormForward" -> {
                return 8L * lookup(BATCH_NORM, params.get("layer")).x(n).size();
            }
            case "batchNormBackward" -> {
                return 16L * lookup(BATCH_NORM, params.get("layer")).x(n).size();
            }
            case "batchNormForwardBf16" -> {
                return 4L * lookup(BATCH_NORM, params.get("layer")).x(n).size();
            }
            case "batchNormBackwardBf16" -> {
                return 8L * lookup(BATCH_NORM, params.get("layer")).x(n).size();
            }
            case "biasActivationForward" -> {
                return 8L * lookup(BIAS_ACTIVATION, params.get("layer")).x(n).size();
            }
            case "biasActivationBackward" -> {
                return 12L * lookup(BIAS_ACTIVATION, params.get("layer")).x(n).size();
            }
            case "bceWithLogitsLoss" -> {
                return 12L * n;
            }
            case "adamStep" -> {
                return 28L * adamSize(params.get("model"));
            }
            default -> {
                return -1;
            }
        }
    }

    /** Elements of the flat parameter buffer of {@code model}: {@code dcgan28.G}, {@code dcgan64.D}, ... */
    public static int adamSize(String model) {
        int dot = model.lastIndexOf('.');
        if (dot < 0) {
            throw new IllegalArgumentException("model must look like dcgan28.G, got '" + model + "'");
        }
        GanConfig c = new GanConfig(model.substring(0, dot), 2);
        String net = model.substring(dot + 1);
        long count = 0;
        org.gan4j.nn.Sequential s = switch (net) {
            case "G" -> c.generator();
            case "D" -> c.discriminator();
            default -> throw new IllegalArgumentException("model must end in .G or .D, got '" + model + "'");
        };
        for (org.gan4j.nn.Layer l : s.layers()) {
            for (org.gan4j.nn.Parameter p : l.localParameters()) {
                count += p.shape().size();
            }
        }
        return (int) count;
    }
}
