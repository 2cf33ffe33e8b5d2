package org.gan4j.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Adam;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.gan4j.data.ByteImageDataset;
import org.gan4j.data.IdxDataset;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;

/**
 * PyTorch's plain DCGAN-28 recipe on Fashion-MNIST in libtorch (PyTorch's C++ core, through JavaCPP's
 * {@code org.bytedeco:pytorch}), the peer that gan4j's default recipe is measured against (README, "Fashion-MNIST:
 * gan4j's recipe against PyTorch's"). The recipe is pytorch/examples dcgan/main.py's loop, as in
 * {@code scripts/fmnist-pytorch.py}: gan4j's {@code dcgan28} networks ({@link LibtorchDcgan}); DCGAN init (conv,
 * transposed-conv and linear weights N(0, 0.02), batch-norm weights N(1, 0.02), biases 0); Adam(lr 2e-4, betas
 * (0.5, 0.999)); batch 64, shuffled each epoch, the last partial batch dropped (937 steps per epoch); per step
 * D: BCE(D(x), 1) + BCE(D(G(z).detach()), 0) from logits, then G: BCE(D(G(z)), 1) through the updated D. Images are
 * gan4j's ({@link IdxDataset}: pixels / 127.5 - 1, in [-1, 1]).
 *
 * <p>After each epoch it writes {@code epoch_NNN.safetensors} into the output folder: a gan4j checkpoint of both
 * networks ({@code generator.*}, {@code discriminator.*}, F32, no optimizer state) with the metadata of a template
 * gan4j dcgan28 checkpoint and this run's progress, so {@code bin/gan4j eval --checkpoint FILE} scores it exactly as
 * it scores gan4j's runs. It prints per epoch the wall seconds, the process CPU seconds (all threads) and the load
 * average. Usage (the benchmarks jar holds gan4j and libtorch):
 *
 * <pre>
 * bin/gan4j train --steps 1 --lr-g 2e-4 --batch-size 64 --ema 0 --out /tmp/template   # any unconditional dcgan28
 *                                                    # checkpoint; with these options its settings are PyTorch's
 * java -cp benchmarks/target/benchmarks.jar org.gan4j.bench.LibtorchFmnistRecipe \
 *     --template /tmp/template/checkpoints/step_00000001.safetensors --out /tmp/torch --epochs 1 --threads 2
 * </pre>
 *
 * Options: {@code --epochs N} (1), {@code --threads N} (2), {@code --seed N} (1), {@code --max-steps N} (0: whole
 * epochs; else at most N steps per epoch, a smoke test), {@code --data DIR} (the Fashion-MNIST IDX folder).
 */
public final class LibtorchFmnistRecipe {
    private static final int BATCH = 64;
    private static final int NZ = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    private LibtorchFmnistRecipe() {
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opt = options(args);
        int epochs = Integer.parseInt(opt.getOrDefault("epochs", "1"));
        int threads = Integer.parseInt(opt.getOrDefault("threads", "2"));
        long seed = Long.parseLong(opt.getOrDefault("seed", "1"));
        int maxSteps = Integer.parseInt(opt.getOrDefault("max-steps", "0"));
        int logEvery = Integer.parseInt(opt.getOrDefault("log-every", "100"));
        Path out = Path.of(required(opt, "out"));
        Map<String, String> metadata = templateMetadata(Path.of(required(opt, "template")));
        Path data = Path.of(opt.getOrDefault("data", IdxDataset.FASHION_MNIST_DIR.toString()));

        torch.set_num_threads(threads);
        torch.manual_seed(seed);
        LibtorchDcgan.requireDcganBetas();
        Random random = new Random(seed);
        ByteImageDataset images = IdxDataset.fashionMnist(data, true);
        int sample = 28 * 28;
        LibtorchDcgan.Net g = LibtorchDcgan.generator28();
        LibtorchDcgan.Net d = LibtorchDcgan.discriminator28();
        dcganInit(g, random);
        dcganInit(d, random);
        Adam optG = new Adam(g.parameters(), LibtorchDcgan.adam());
        Adam optD = new Adam(d.parameters(), LibtorchDcgan.adam());
        Tensor real = torch.zeros(BATCH, 1, 28, 28);
        Tensor ones = torch.ones(BATCH, 1);
        Tensor zeros = torch.zeros(BATCH, 1);
        float[] batch = new float[BATCH * sample];
        int perEpoch = images.size() / BATCH;
        if (maxSteps > 0) {
            perEpoch = Math.min(perEpoch, maxSteps);
        }
        Files.createDirectories(out);
        System.out.printf(Locale.ROOT, "# libtorch %d threads, %d steps per epoch, %d epochs%n",
                torch.get_num_threads(), perEpoch, epochs);

        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long step = 0;
        double wallTotal = 0;
        for (int epoch = 1; epoch <= epochs; epoch++) {
            double loadBefore = os.getSystemLoadAverage();
            long w0 = System.nanoTime();
            long c0 = os.getProcessCpuTime();
            int[] order = permutation(images.size(), random);
            float lossD = Float.NaN;
            float lossG = Float.NaN;
            for (int i = 0; i < perEpoch; i++) {
                for (int b = 0; b < BATCH; b++) {
                    images.get(order[i * BATCH + b], batch, b * sample);
                }
                real.data_ptr_float().put(batch);
                try (PointerScope scope = new PointerScope()) {
                    LibtorchDcgan.StepResult r = LibtorchDcgan.step(g, d, optG, optD, real, ones, zeros, BATCH, NZ);
                    step++;
                    if (step % logEvery == 0 || i == perEpoch - 1) {
                        lossD = r.dReal().item_float() + r.dFake().item_float();
                        lossG = r.g().item_float();
                        System.out.printf(Locale.ROOT, "epoch %d step %d: loss_D %.4f loss_G %.4f D(x) %.3f"
                                + " D(G(z)) %.3f  %.0f ms/step%n", epoch, step, lossD, lossG,
                                r.realLogits().sigmoid().mean().item_float(), r.fakeLogits().sigmoid().mean().item_float(),
                                (System.nanoTime() - w0) / 1e6 / (i + 1));
                    }
                }
            }
            double wall = (System.nanoTime() - w0) / 1e9;
            double cpu = (os.getProcessCpuTime() - c0) / 1e9;
            wallTotal += wall;
            if (!Float.isFinite(lossD) || !Float.isFinite(lossG)) {
                throw new IllegalStateException("libtorch losses are not finite after epoch " + epoch);
            }
            System.out.printf(Locale.ROOT, "epoch %d: %d steps, %.1f s wall, %.1f s CPU, load %.1f -> %.1f%n",
                    epoch, perEpoch, wall, cpu, loadBefore, os.getSystemLoadAverage());
            writeCheckpoint(out.resolve(String.format(Locale.ROOT, "epoch_%03d.safetensors", epoch)), g, d,
                    metadata, step, epoch, wallTotal);
        }
    }

    /** DCGAN init (pytorch/examples weights_init, extended to Linear as gan4j's Init.DCGAN): see the class doc. */
    private static void dcganInit(LibtorchDcgan.Net net, Random random) {
        StringTensorDict params = net.named_parameters();
        for (long i = 0; i < params.size(); i++) {
            String name = params.get(i).key().getString();
            Tensor t = params.get(i).value();
            float[] v = new float[(int) t.numel()];
            boolean batchNorm = t.dim() == 1 && name.endsWith(".weight");
            if (!name.endsWith(".bias")) {
                for (int k = 0; k < v.length; k++) {
                    v[k] = (float) ((batchNorm ? 1 : 0) + 0.02 * random.nextGaussian());
                }
            }
            t.data_ptr_float().put(v); // a leaf's storage, written outside autograd
        }
    }

    private static int[] permutation(int n, Random random) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int tmp = p[i];
            p[i] = p[j];
            p[j] = tmp;
        }
        return p;
    }

    /** Both networks' parameters and buffers (libtorch's names are gan4j's) with the template's metadata. */
    private static void writeCheckpoint(Path file, LibtorchDcgan.Net g, LibtorchDcgan.Net d,
            Map<String, String> template, long step, int epoch, double seconds) throws IOException {
        Map<String, TensorData> tensors = new LinkedHashMap<>();
        addAll(tensors, "generator.", g.named_parameters());
        addAll(tensors, "generator.", g.named_buffers());
        addAll(tensors, "discriminator.", d.named_parameters());
        addAll(tensors, "discriminator.", d.named_buffers());
        Map<String, String> metadata = new LinkedHashMap<>(template);
        ObjectNode progress = (ObjectNode) JSON.readTree(template.get("progress"));
        progress.put("step", step).put("generator_steps", step).put("epoch", epoch).put("batch_in_epoch", 0)
                .put("elapsed_seconds", seconds);
        metadata.put("progress", JSON.writeValueAsString(progress));
        Safetensors.write(file, tensors, metadata);
    }

    private static void addAll(Map<String, TensorData> into, String prefix, StringTensorDict dict) {
        for (long i = 0; i < dict.size(); i++) {
            String name = prefix + dict.get(i).key().getString();
            Tensor t = dict.get(i).value();
            if (name.endsWith("num_batches_tracked")) {
                continue; // gan4j's batch norm keeps no counter
            }
            Tensor c = t.detach().contiguous();
            float[] v = new float[(int) c.numel()];
            FloatPointer p = c.data_ptr_float();
            p.get(v);
            long[] shape = new long[(int) c.dim()];
            for (int k = 0; k < shape.length; k++) {
                shape[k] = c.size(k);
            }
            into.put(name, TensorData.f32(name, v, shape));
        }
    }

    private static Map<String, String> templateMetadata(Path template) throws IOException {
        Map<String, String> meta = Safetensors.read(template).metadata();
        String model = meta.getOrDefault("model", "{}");
        var m = JSON.readTree(model);
        if (!m.path("architecture").asText().equals("dcgan28") || m.path("classes").asInt(0) != 0
                || !meta.containsKey("progress")) {
            throw new IllegalArgumentException(template + ": not an unconditional gan4j dcgan28 checkpoint (model "
                    + model + "); make one with: bin/gan4j train --steps 1 --out DIR");
        }
        return meta;
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> opt = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i]
                        + "'; options: --template FILE --out DIR [--epochs N --threads N --seed N --max-steps N]");
            }
            opt.put(args[i].substring(2), args[i + 1]);
        }
        return opt;
    }

    private static String required(Map<String, String> opt, String name) {
        String v = opt.get(name);
        if (v == null) {
            throw new IllegalArgumentException("--" + name + " is required (see LibtorchFmnistRecipe's usage)");
        }
        return v;
    }
}
