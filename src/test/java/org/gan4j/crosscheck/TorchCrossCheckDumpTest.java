package org.gan4j.crosscheck;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

import org.gan4j.backend.RandomState;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.data.Dataset;
import org.gan4j.data.IdxDataset;
import org.gan4j.gan.GanTrainer;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;
import org.gan4j.models.Dcgan28;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;
import org.gan4j.nn.Parameter;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;

/**
 * Developer tool, not a unit test: dumps everything scripts/crosscheck_torch.py needs to replay gan4j's GAN training
 * step in PyTorch (CPU, F32, 1 thread, DCGAN28 with {@link Init#DCGAN}, the default {@link TrainerConfig}). Runs only
 * when {@code -Dgan4j.crosscheck.dir=DIR} is set (skipped in the normal suite, which has no PyTorch):
 * <pre>
 * mvn -o -q -B test -Dtest=TorchCrossCheckDumpTest -Dgan4j.crosscheck.dir=/tmp/cc5 [-Dgan4j.crosscheck.steps=5]
 * </pre>
 * Step {@code s} (0-based) trains on Fashion-MNIST train images {@code 64 s .. 64 s + 63} in file order. Written to
 * DIR: {@code init_G/init_D.safetensors} (Model.stateDict names), {@code noise.safetensors} (z of every step,
 * {@code (steps, 64, 100)}, redrawn from a second Philox stream with the trainer's seed in the trainer's order: with
 * constant labels z is the only draw per step), {@code real.safetensors} (the first real batches, so the script can
 * check its own data loading), {@code metrics.csv} (StepMetrics of every step), {@code final_G/final_D.safetensors}
 * and, for at most 10 steps, after each step N (1-based): {@code stepN_G/stepN_D.safetensors} and
 * {@code stepN_state.safetensors} (that step's gradients and both Adam states, see {@link #saveTrainerState}), so the
 * script can also replay each step alone from gan4j's own state before it.
 */
class TorchCrossCheckDumpTest {
    static final String DIR_PROPERTY = "gan4j.crosscheck.dir";
    private static final int BATCH = 64;
    private static final long SEED = 7; // trainer seed; models use SEED + 1 (G) and SEED + 2 (D) for Init.DCGAN
    private static final int REAL_BATCHES_DUMPED = 5;

    @Test
    @EnabledIfSystemProperty(named = DIR_PROPERTY, matches = ".+")
    void dump() throws IOException {
        Path dir = Path.of(System.getProperty(DIR_PROPERTY));
        int steps = Integer.getInteger("gan4j.crosscheck.steps", 5);
        Files.createDirectories(dir);
        Dataset data = IdxDataset.fashionMnist(IdxDataset.FASHION_MNIST_DIR, true);
        int sample = data.sampleSize();
        assertEquals(784, sample);

        try (CpuBackend backend = CpuBackend.create(1);
                Model g = new Model(backend, Dcgan28.generator(), 1).initialize(Init.DCGAN, SEED + 1);
                Model d = new Model(backend, Dcgan28.discriminator(), 2).initialize(Init.DCGAN, SEED + 2)) {
            save(dir.resolve("init_G.safetensors"), g.stateDict(), g);
            save(dir.resolve("init_D.safetensors"), d.stateDict(), d);
            TrainerConfig config = TrainerConfig.builder().batchSize(BATCH).seed(SEED).metricsEvery(1).build();
            float[] noiseAll = new float[steps * BATCH * Dcgan28.NZ];
            float[] realFirst = new float[Math.min(steps, REAL_BATCHES_DUMPED) * BATCH * sample];
            List<String> rows = new ArrayList<>();
            rows.add("step,lossD,lossG,dReal,dFakeBefore,dFakeAfter,gradNormD,gradNormG");
            try (GanTrainer trainer = new GanTrainer(backend, g, d, Shape.of(Dcgan28.NZ), config);
                    RandomState replay = backend.newRandom(SEED);
                    Tensor z = backend.allocate(Shape.of(BATCH, Dcgan28.NZ))) {
                float[] batch = new float[BATCH * sample];
                for (int s = 0; s < steps; s++) {
                    for (int i = 0; i < BATCH; i++) {
                        data.get(s * BATCH + i, batch, i * sample);
                    }
                    if (s < REAL_BATCHES_DUMPED) {
                        System.arraycopy(batch, 0, realFirst, s * batch.length, batch.length);
                    }
                    backend.copyFromHost(batch, trainer.realInput());
                    // the trainer's only draw per step with Labels.HARD (constant targets): randomNormal(0, 1) of z
                    backend.randomNormal(replay, 0f, 1f, z);
                    float[] zh = z.toFloatArray();
                    System.arraycopy(zh, 0, noiseAll, s * zh.length, zh.length);
                    StepMetrics m = trainer.step();
                    assertNotNull(m);
                    rows.add(String.format(Locale.ROOT, "%d,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g,%.9g", m.step(), m.lossD(),
                            m.lossG(), m.dReal(), m.dFakeBefore(), m.dFakeAfter(), m.gradNormD(), m.gradNormG()));
                    if (steps <= 10) {
                        save(dir.resolve("step" + (s + 1) + "_G.safetensors"), g.stateDict(), g);
                        save(dir.resolve("step" + (s + 1) + "_D.safetensors"), d.stateDict(), d);
                        saveTrainerState(dir.resolve("step" + (s + 1) + "_state.safetensors"), trainer);
                    }
                }
                // the replayed stream must have advanced exactly as the trainer's
                assertEquals(trainer.state().randomCounter(), replay.counter(), "noise replay out of step");
            }
            Map<String, TensorData> extra = new LinkedHashMap<>();
            extra.put("z", TensorData.f32("z", noiseAll, steps, BATCH, Dcgan28.NZ));
            Safetensors.write(dir.resolve("noise.safetensors"), extra, Map.of());
            extra.clear();
            extra.put("real", TensorData.f32("real", realFirst, realFirst.length / (BATCH * sample), BATCH, 1, 28,
                    28));
            Safetensors.write(dir.resolve("real.safetensors"), extra, Map.of());
            Files.write(dir.resolve("metrics.csv"), rows, StandardCharsets.UTF_8);
            save(dir.resolve("final_G.safetensors"), g.stateDict(), g);
            save(dir.resolve("final_D.safetensors"), d.stateDict(), d);
        }
    }

    /**
     * Gradients left by the step (D: the D step's, as the G step computes no D weight gradients; G: the G step's)
     * and both Adam states, split per parameter: {@code G.grad.NAME}, {@code G.exp_avg.NAME},
     * {@code G.exp_avg_sq.NAME}, {@code G.step} and the same for D.
     */
    private static void saveTrainerState(Path file, GanTrainer trainer) throws IOException {
        Map<String, float[]> opt = trainer.optimizerState();
        Map<String, TensorData> out = new LinkedHashMap<>();
        for (String net : new String[] {"G", "D"}) {
            Model m = net.equals("G") ? trainer.generator() : trainer.discriminator();
            String prefix = net.equals("G") ? "g." : "d.";
            float[] all = m.parameters().toFloatArray();
            for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
                Parameter p = e.getValue();
                int offset = (int) (p.value().offset() - m.parameters().offset());
                int n = p.shape().size();
                float[] value = p.value().toFloatArray();
                // the flat layout must be the one the Adam state uses: the parameter's own values at this offset
                assertArrayEquals(value, Arrays.copyOfRange(all, offset, offset + n), "flat layout of " + e.getKey());
                long[] shape = Arrays.stream(p.shape().dims()).asLongStream().toArray();
                put(out, net + ".grad." + e.getKey(), p.grad().toFloatArray(), shape);
                for (String k : new String[] {"exp_avg", "exp_avg_sq"}) {
                    put(out, net + "." + k + "." + e.getKey(),
                            Arrays.copyOfRange(opt.get(prefix + k), offset, offset + n), shape);
                }
            }
            put(out, net + ".step", opt.get(prefix + "step"), 1);
        }
        Safetensors.write(file, out, Map.of());
    }

    private static void put(Map<String, TensorData> out, String name, float[] v, long... shape) {
        out.put(name, TensorData.f32(name, v, shape));
    }

    private static void save(Path file, Map<String, float[]> state, Model m) throws IOException {
        Map<String, Shape> shapes = m.stateShapes();
        Map<String, TensorData> out = new LinkedHashMap<>();
        state.forEach((k, v) -> {
            int[] dims = shapes.get(k).dims();
            long[] shape = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                shape[i] = dims[i];
            }
            out.put(k, TensorData.f32(k, v, shape));
        });
        Safetensors.write(file, out, Map.of());
    }
}
