package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.models.Mlp2d;
import org.gan4j.nn.Init;
import org.gan4j.nn.Model;

class CheckpointTest {
    @TempDir
    Path tmp;

    private static Map<String, String> info() {
        return Map.of("model", "{}", "training", "{}", "progress", "{}");
    }

    @Test
    void roundTripRestoresEveryParameterAndBuffer() throws Exception {
        try (CpuBackend cpu = CpuBackend.create(1);
                Model a = new Model(cpu, Mlp2d.generator(2, 8, 2), 0).initialize(Init.PYTORCH_DEFAULT, 1);
                Model b = new Model(cpu, Mlp2d.generator(2, 8, 2), 0).initialize(Init.PYTORCH_DEFAULT, 2)) {
            Map<String, TensorData> opt = Map.of("g.step", TensorData.f32("g.step", new float[] {7f}));
            Checkpoint c = Checkpoint.of("test", info(), Checkpoint.fromModel(a), Map.of(), opt);
            Path f = Checkpoint.fileFor(tmp, 12);
            c.write(f);
            assertEquals(12, Checkpoint.stepOf(f));
            Checkpoint r = Checkpoint.read(f);
            assertEquals("1", r.info("format_version"));
            assertEquals("test", r.info("gan4j_version"));
            assertEquals(7f, r.group(Checkpoint.OPTIMIZER).get("g.step").floats()[0]);
            Checkpoint.loadInto(b, r.group(Checkpoint.GENERATOR), List.of(), f, "generator");
            Map<String, float[]> sa = a.stateDict();
            Map<String, float[]> sb = b.stateDict();
            assertEquals(sa.keySet(), sb.keySet());
            for (String k : sa.keySet()) {
                assertArrayEquals(sa.get(k), sb.get(k), 0f, k);
            }
        }
    }

    @Test
    void contentProblemsAreClearErrors() throws Exception {
        try (CpuBackend cpu = CpuBackend.create(1);
                Model g = new Model(cpu, Mlp2d.generator(2, 8, 2), 0)) {
            Map<String, TensorData> full = Checkpoint.fromModel(g);
            // missing tensor
            Map<String, TensorData> missing = new LinkedHashMap<>(full);
            missing.remove("0.weight");
            CheckpointFormatException e = assertThrows(CheckpointFormatException.class,
                    () -> Checkpoint.loadInto(g, missing, List.of(), tmp, "generator"));
            assertTrue(e.getMessage().contains("missing '0.weight'"), e.getMessage());
            // wrong shape
            Map<String, TensorData> wrong = new LinkedHashMap<>(full);
            wrong.put("0.weight", TensorData.f32("0.weight", new float[16], 16));
            e = assertThrows(CheckpointFormatException.class,
                    () -> Checkpoint.loadInto(g, wrong, List.of(), tmp, "generator"));
            assertTrue(e.getMessage().contains("'0.weight' has shape [16], the model expects [8, 2]"),
                    e.getMessage());
            // unexpected tensor
            Map<String, TensorData> extra = new LinkedHashMap<>(full);
            extra.put("9.weight", TensorData.f32("9.weight", new float[1]));
            e = assertThrows(CheckpointFormatException.class,
                    () -> Checkpoint.loadInto(g, extra, List.of(), tmp, "generator"));
            assertTrue(e.getMessage().contains("unexpected '9.weight'"), e.getMessage());
        }
    }

    @Test
    void headerAndMetadataProblemsAreClearErrors() throws Exception {
        Path notOurs = tmp.resolve("plain.safetensors");
        Safetensors.write(notOurs, Map.of("w", TensorData.f32("w", new float[] {1f})), Map.of());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(notOurs));
        assertTrue(e.getMessage().contains("not a gan4j checkpoint"), e.getMessage());

        Path future = tmp.resolve("future.safetensors");
        Map<String, String> meta = new LinkedHashMap<>(info());
        meta.put("format", Checkpoint.FORMAT);
        meta.put("format_version", "99");
        Safetensors.write(future, Map.of(), meta);
        e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(future));
        assertTrue(e.getMessage().contains("format version 99 is not supported"), e.getMessage());

        Path noModel = tmp.resolve("nomodel.safetensors");
        Map<String, String> meta2 = new LinkedHashMap<>(meta);
        meta2.put("format_version", "1");
        meta2.remove("model");
        Safetensors.write(noModel, Map.of(), meta2);
        e = assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(noModel));
        assertTrue(e.getMessage().contains("'model' is missing"), e.getMessage());

        Path truncated = tmp.resolve("step_00000002.safetensors");
        Checkpoint.of("t", info(), Map.of("w", TensorData.f32("w", new float[64])), Map.of(), Map.of())
                .write(truncated);
        byte[] bytes = Files.readAllBytes(truncated);
        Files.write(truncated, java.util.Arrays.copyOf(bytes, bytes.length - 10));
        assertThrows(CheckpointFormatException.class, () -> Checkpoint.read(truncated));

        assertThrows(NoSuchFileException.class, () -> Checkpoint.read(tmp.resolve("absent.safetensors")));
    }

    @Test
    void latestSkipsABrokenNewestFileAndPruneKeepsTheNewest() throws Exception {
        Path dir = tmp.resolve("checkpoints");
        for (long step : new long[] {5, 10, 15, 20}) {
            Checkpoint.of("t", info(), Map.of("w", TensorData.f32("w", new float[] {step})), Map.of(), Map.of())
                    .write(Checkpoint.fileFor(dir, step));
        }
        Files.writeString(Checkpoint.fileFor(dir, 25), "garbage");
        Checkpoint latest = Checkpoint.readLatest(tmp);
        assertEquals(20f, latest.group(Checkpoint.GENERATOR).get("w").floats()[0]);
        Checkpoint.prune(dir, 2);
        assertEquals(List.of(Checkpoint.fileFor(dir, 20), Checkpoint.fileFor(dir, 25)), Checkpoint.list(dir));
        assertThrows(NoSuchFileException.class, () -> Checkpoint.readLatest(tmp.resolve("empty")));
    }
}
