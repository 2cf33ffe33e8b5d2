package org.gan4j.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.io.Checkpoint;
import org.gan4j.io.CheckpointFormatException;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;
import org.gan4j.io.TensorDtype;

/**
 * A state_dict written the way {@code save_file(netG.state_dict(), f)} writes pytorch/examples dcgan's Generator and
 * Discriminator (keys and shapes listed here by hand from dcgan/main.py, with nz 8, ngf 4, ndf 4, nc 1), imported,
 * sampled and exported back.
 */
class PyTorchInteropTest {
    @TempDir
    Path tmp;

    private static final int NZ = 8;
    private static final int NGF = 4;
    private static final int NDF = 4;
    private static final int NC = 1;

    private static void conv(Map<String, TensorData> m, SplittableRandom r, String name, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        float[] v = new float[(int) n];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (0.02 * r.nextGaussian());
        }
        m.put(name, new TensorData(name, TensorDtype.F32, shape, v, null));
    }

    private static void bn(Map<String, TensorData> m, SplittableRandom r, String prefix, int c, long tracked) {
        for (String p : new String[] {"weight", "bias", "running_mean", "running_var"}) {
            float[] v = new float[c];
            for (int i = 0; i < c; i++) {
                v[i] = p.equals("running_var") ? (float) (0.5 + r.nextDouble()) : (float) r.nextGaussian();
            }
            m.put(prefix + p, new TensorData(prefix + p, TensorDtype.F32, new long[] {c}, v, null));
        }
        m.put(prefix + "num_batches_tracked", TensorData.scalarI64(prefix + "num_batches_tracked", tracked));
    }

    static Map<String, TensorData> netG(long tracked) {
        SplittableRandom r = new SplittableRandom(1);
        Map<String, TensorData> m = new LinkedHashMap<>();
        conv(m, r, "main.0.weight", NZ, NGF * 8, 4, 4);
        bn(m, r, "main.1.", NGF * 8, tracked);
        conv(m, r, "main.3.weight", NGF * 8, NGF * 4, 4, 4);
        bn(m, r, "main.4.", NGF * 4, tracked);
        conv(m, r, "main.6.weight", NGF * 4, NGF * 2, 4, 4);
        bn(m, r, "main.7.", NGF * 2, tracked);
        conv(m, r, "main.9.weight", NGF * 2, NGF, 4, 4);
        bn(m, r, "main.10.", NGF, tracked);
        conv(m, r, "main.12.weight", NGF, NC, 4, 4);
        return m;
    }

    static Map<String, TensorData> netD(long tracked) {
        SplittableRandom r = new SplittableRandom(2);
        Map<String, TensorData> m = new LinkedHashMap<>();
        conv(m, r, "main.0.weight", NDF, NC, 4, 4);
        conv(m, r, "main.2.weight", NDF * 2, NDF, 4, 4);
        bn(m, r, "main.3.", NDF * 2, tracked);
        conv(m, r, "main.5.weight", NDF * 4, NDF * 2, 4, 4);
        bn(m, r, "main.6.", NDF * 4, tracked);
        conv(m, r, "main.8.weight", NDF * 8, NDF * 4, 4, 4);
        bn(m, r, "main.9.", NDF * 8, tracked);
        conv(m, r, "main.11.weight", 1, NDF * 8, 4, 4);
        return m;
    }

    @Test
    void importSampleAndExportRoundTrip() throws Exception {
        Path g = tmp.resolve("netG.safetensors");
        Path d = tmp.resolve("netD.safetensors");
        Map<String, TensorData> pg = netG(123);
        Map<String, TensorData> pd = netD(123);
        Safetensors.write(g, pg, null);
        Safetensors.write(d, pd, null);

        Checkpoint c = Checkpoints.importPyTorchDcgan(g, d);
        assertEquals(ModelConfig.dcgan64(NZ, NGF, NDF, NC), Checkpoints.modelConfig(c));
        Path ours = tmp.resolve("imported.safetensors");
        c.write(ours);
        Checkpoint back = Checkpoints.read(ours);
        assertArrayEquals(pg.get("main.0.weight").floats(), back.group(Checkpoint.GENERATOR).get("0.weight").floats());
        assertArrayEquals(pd.get("main.9.running_var").floats(),
                back.group(Checkpoint.DISCRIMINATOR).get("9.running_var").floats());
        try (GanSampler s = GanSampler.load(ours, 1)) {
            assertEquals(3 * 64 * 64, s.sample(3, 0).length);
        }
        CheckpointFormatException noResume = assertThrows(CheckpointFormatException.class,
                () -> Checkpoints.trainingConfig(back));
        assertTrue(noResume.getMessage().contains("imported from PyTorch"), noResume.getMessage());

        Path g2 = tmp.resolve("out/netG.safetensors");
        Path d2 = tmp.resolve("out/netD.safetensors");
        Checkpoints.exportPyTorch(back, g2, d2);
        assertSameStateDict(pg, Safetensors.read(g2).tensors());
        assertSameStateDict(pd, Safetensors.read(d2).tensors());
    }

    private static void assertSameStateDict(Map<String, TensorData> expected, Map<String, TensorData> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (TensorData e : expected.values()) {
            TensorData a = actual.get(e.name());
            assertEquals(e.dtype(), a.dtype(), e.name());
            assertArrayEquals(e.shape(), a.shape(), e.name());
            if (e.dtype() == TensorDtype.I64) {
                assertArrayEquals(e.longs(), a.longs(), e.name());
            } else {
                assertArrayEquals(e.floats(), a.floats(), e.name());
            }
        }
    }

    @Test
    void trainedCheckpointExportsWithStepCounts() throws Exception {
        Path run = tmp.resolve("run");
        TrainingConfig config = Runs.ring(run, 3).build();
        try (GanTraining t = GanTraining.create(config)) {
            t.run(new GanTraining.Listener() { });
        }
        Checkpoint c = Checkpoints.read(run);
        Path g = tmp.resolve("g.safetensors");
        Checkpoints.exportPyTorch(c, g, null);
        Map<String, TensorData> t = Safetensors.read(g).tensors();
        assertTrue(t.containsKey("main.0.weight") && t.containsKey("main.4.bias"), t.keySet().toString());
        assertEquals(c.group(Checkpoint.GENERATOR).size(), t.size()); // MLP: no batch norm, no counters
    }

    @Test
    void wrongNamesAndShapesAreClearErrors() throws Exception {
        Map<String, TensorData> bad = new LinkedHashMap<>(netG(1));
        TensorData w = bad.remove("main.3.weight");
        bad.put("net.3.weight", new TensorData("net.3.weight", w.dtype(), w.shape(), w.floats(), null));
        Path f = tmp.resolve("bad.safetensors");
        Safetensors.write(f, bad, null);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                () -> Checkpoints.importPyTorchDcgan(f, null));
        assertTrue(e.getMessage().contains("'net.3.weight' does not start with 'main.'"), e.getMessage());

        Map<String, TensorData> shape = new LinkedHashMap<>(netG(1));
        shape.put("main.3.weight", new TensorData("main.3.weight", TensorDtype.F32, new long[] {NGF * 8, NGF * 4, 3,
            3}, new float[NGF * 8 * NGF * 4 * 9], null));
        Path f2 = tmp.resolve("shape.safetensors");
        Safetensors.write(f2, shape, null);
        e = assertThrows(CheckpointFormatException.class, () -> Checkpoints.importPyTorchDcgan(f2, null));
        assertTrue(e.getMessage().contains("'3.weight' has shape [32, 16, 3, 3], the model expects [32, 16, 4, 4]"),
                e.getMessage());
    }
}
