package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SafetensorsTest {
    @TempDir
    Path dir;

    /** A file: 8-byte little-endian {@code length}, the header bytes, then {@code data}. */
    static byte[] file(long length, byte[] header, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(length).put(header).put(data);
        return b.array();
    }

    static byte[] file(String json, int dataBytes) {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        return file(h.length, h, new byte[dataBytes]);
    }

    @Test
    void writesTheExactBytesOfTheFormat() throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("w", TensorData.f32("w", new float[] {1f, -2f}));
        Path p = dir.resolve("tiny.safetensors");
        Safetensors.write(p, t, Map.of("format", "pt"));
        // Hand-built: header JSON padded with spaces to a multiple of 8, then 1.0f and -2.0f little-endian.
        String json = "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                + "\"data_offsets\":[0,8]}}";
        int padded = (json.length() + 7) / 8 * 8;
        byte[] header = (json + " ".repeat(padded - json.length())).getBytes(StandardCharsets.US_ASCII);
        byte[] data = {0, 0, (byte) 0x80, 0x3F, 0, 0, 0, (byte) 0xC0};
        assertArrayEquals(file(padded, header, data), Files.readAllBytes(p));
    }

    @Test
    void roundTrip() throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        float[] w = {0.1f, -2.5f, Float.MIN_VALUE, Float.MAX_VALUE, -0f, 3f};
        t.put("generator.0.weight", TensorData.f32("generator.0.weight", w, 2, 3));
        t.put("bn.num_batches_tracked", TensorData.scalarI64("bn.num_batches_tracked", 1L << 40));
        t.put("empty", TensorData.f32("empty", new float[0], 0, 4));
        t.put("a.f64", new TensorData("a.f64", TensorDtype.F64, new long[] {2}, new float[] {1.5f, -7f}, null));
        t.put("z.i32", new TensorData("z.i32", TensorDtype.I32, new long[] {3}, null, new long[] {-1, 0, 7}));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("step", "1200");
        meta.put("model", "dcgan \"64\" \u00e9");
        Path p = dir.resolve("ck.safetensors");
        Safetensors.write(p, t, meta);
        assertEquals(0, (Files.size(p) - 8 - 6 * 4 - 8 - 2 * 8 - 3 * 4) % 8, "header padded to 8 bytes");

        Safetensors.Contents c = Safetensors.read(p);
        assertEquals(List.copyOf(t.keySet()), List.copyOf(c.tensors().keySet()), "order kept");
        assertEquals(meta, c.metadata());
        TensorData g = c.require("generator.0.weight");
        assertEquals(TensorDtype.F32, g.dtype());
        assertArrayEquals(new long[] {2, 3}, g.shape());
        assertArrayEquals(w, g.floats());
        TensorData nbt = c.require("bn.num_batches_tracked");
        assertEquals(0, nbt.shape().length);
        assertArrayEquals(new long[] {1L << 40}, nbt.longs());
        assertNull(nbt.floats());
        assertEquals(0, c.require("empty").floats().length);
        assertArrayEquals(new float[] {1.5f, -7f}, c.require("a.f64").floats());
        assertArrayEquals(new long[] {-1, 0, 7}, c.require("z.i32").longs());
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> c.require("nope"));
        assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("ck.safetensors"), e.getMessage());
    }

    @Test
    void readsHalfAndBfloat16() throws IOException {
        String json = "{\"h\":{\"dtype\":\"F16\",\"shape\":[5],\"data_offsets\":[0,10]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[10,14]},"
                + "\"u\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[14,15]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer d = ByteBuffer.allocate(15).order(ByteOrder.LITTLE_ENDIAN);
        // F16: 1.0, -2.0, smallest subnormal 2^-24, +inf, 0x3555 = 1/3 rounded = 0.333251953125
        d.putShort((short) 0x3C00).putShort((short) 0xC000).putShort((short) 0x0001).putShort((short) 0x7C00)
                .putShort((short) 0x3555);
        // BF16: 1.0, 0x4049 = 3.140625
        d.putShort((short) 0x3F80).putShort((short) 0x4049);
        d.put((byte) 200);
        Path p = dir.resolve("half.safetensors");
        Files.write(p, file(h.length, h, d.array()));
        Safetensors.Contents c = Safetensors.read(p);
        assertArrayEquals(new float[] {1f, -2f, 0x1p-24f, Float.POSITIVE_INFINITY, 0.333251953125f},
                c.require("h").floats());
        assertArrayEquals(new float[] {1f, 3.140625f}, c.require("b").floats());
        assertArrayEquals(new long[] {200}, c.require("u").longs());
    }

    static Stream<Arguments> malformed() {
        String a8 = "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}";
        byte[] badUtf8 = {'{', '"', (byte) 0xC3, (byte) 0x28, '"', ':', '1', '}'};
        return Stream.of(
                Arguments.of("shorter than 8 bytes", new byte[] {1, 0, 0}, "shorter than the 8-byte header length"),
                Arguments.of("header longer than file", file(1000, new byte[10], new byte[0]),
                        "header length 1000 is larger than the 10 bytes"),
                Arguments.of("negative (u64 > 2^63) length", file(-1, new byte[4], new byte[0]),
                        "header length 18446744073709551615 is larger"),
                Arguments.of("bad JSON", file("{\"a\": ", 0), "not valid JSON"),
                Arguments.of("empty header", file("", 0), "header must be a JSON object, found nothing"),
                Arguments.of("JSON array", file("[1, 2]", 0), "must be a JSON object, found ARRAY"),
                Arguments.of("invalid UTF-8", file(badUtf8.length, badUtf8, new byte[0]), "not valid UTF-8"),
                Arguments.of("duplicate key", file("{" + a8 + "," + a8 + "}", 8), "Duplicate field 'a'"),
                Arguments.of("offsets past end", file("{" + a8 + "}", 4),
                        "tensor 'a': data_offsets [0, 8] must satisfy 0 <= begin <= end <= 4"),
                Arguments.of("begin after end",
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}", 8),
                        "tensor 'a': data_offsets [8, 4] must satisfy"),
                Arguments.of("overlapping", file("{" + a8
                        + ",\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12),
                        "tensor 'b': data_offsets [4, 12] overlap tensor 'a', which ends at 8"),
                Arguments.of("gap", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                        + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}", 12),
                        "tensor 'b': gap: data_offsets begin at 8 but the previous tensor 'a' ends at 4"),
                Arguments.of("gap before the first", file(
                        "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                        "tensor 'a': gap: data_offsets begin at 4 but the previous tensors end at 0"),
                Arguments.of("uncovered tail", file("{" + a8 + "}", 12), "the data section has 12 bytes but the "
                        + "tensors cover only 8"),
                Arguments.of("wrong byte count for shape",
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8),
                        "tensor 'a': shape [3] of F32 needs 12 bytes but data_offsets [0, 8] hold 8"),
                Arguments.of("overflowing shape", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,"
                        + "4294967296],\"data_offsets\":[0,8]}}", 8), "needs more than 2^63 bytes"),
                Arguments.of("negative dim",
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8),
                        "tensor 'a': shape[0] is -2"),
                Arguments.of("fractional offset",
                        file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.5]}}", 8),
                        "tensor 'a': data_offsets[1] is 8.5"),
                Arguments.of("unknown dtype", file("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}",
                        8), "tensor 'a': unknown or unsupported dtype 'Q4'"),
                Arguments.of("missing dtype", file("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8),
                        "tensor 'a': dtype missing"),
                Arguments.of("unexpected key", file("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],"
                        + "\"extra\":1}}", 8), "tensor 'a': unexpected key 'extra'"),
                Arguments.of("entry not an object", file("{\"a\":[1]}", 0), "tensor 'a': entry must be an object"),
                Arguments.of("non-string metadata", file("{\"__metadata__\":{\"epoch\":3}," + a8 + "}", 8),
                        "__metadata__ value of 'epoch' is NUMBER 3; metadata values must be strings"),
                Arguments.of("metadata not an object", file("{\"__metadata__\":\"x\"}", 0),
                        "__metadata__ must be an object"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformed")
    void rejectsMalformedFiles(String name, byte[] content, String expected) throws IOException {
        Path p = dir.resolve("bad.safetensors");
        Files.write(p, content);
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(p));
        assertTrue(e.getMessage().startsWith(p.toString() + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    }

    @Test
    void headerOver100MiBIsRejectedBeforeReadingIt() throws IOException {
        Path p = dir.resolve("huge.safetensors");
        long n = Safetensors.MAX_HEADER_BYTES + 8;
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.setLength(8 + n); // sparse: no disk space used
            f.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(n).array());
        }
        CheckpointFormatException e = assertThrows(CheckpointFormatException.class, () -> Safetensors.read(p));
        assertTrue(e.getMessage().contains("exceeds the limit of 104857600 bytes"), e.getMessage());
    }

    @Test
    void failedWriteLeavesNoPartialFile() throws IOException {
        Map<String, TensorData> t = Map.of("w", TensorData.f32("w", new float[] {1f}));
        // The target is a folder: the write fails and nothing is left behind.
        Path folder = Files.createDirectory(dir.resolve("target.safetensors"));
        assertThrows(IOException.class, () -> Safetensors.write(folder, t, null));
        assertTrue(Files.isDirectory(folder));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(List.of(folder), s.toList(), "no temporary file left");
        }
        // Bad arguments fail before any file is touched.
        Path p = dir.resolve("x.safetensors");
        assertThrows(IllegalArgumentException.class,
                () -> Safetensors.write(p, Map.of("other", TensorData.f32("w", new float[] {1f})), null));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(p, Map.of("h",
                new TensorData("h", TensorDtype.F16, new long[] {1}, new float[] {1f}, null)), null));
        assertFalse(Files.exists(p));
    }

    @Test
    void tensorDataValidates() {
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32("w", new float[5], 2, 3));
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32("", new float[1]));
        assertThrows(IllegalArgumentException.class,
                () -> new TensorData("w", TensorDtype.I64, new long[] {1}, new float[1], null));
        assertThrows(IllegalArgumentException.class, () -> TensorData.f32("w", new float[0], -1));
    }

    @Test
    void halfConversionIsExactForEveryValue() {
        // Independent reference: value = (-1)^s * 2^(e-15) * (1 + m/1024), subnormals 2^-14 * m/1024.
        for (int bits = 0; bits < 0x10000; bits++) {
            int e = bits >> 10 & 0x1F;
            int m = bits & 0x3FF;
            double sign = (bits & 0x8000) != 0 ? -1 : 1;
            float got = Safetensors.halfToFloat((short) bits);
            if (e == 0x1F) {
                assertTrue(m == 0 ? Float.isInfinite(got) && Math.signum(got) == sign : Float.isNaN(got));
                continue;
            }
            double expected = e == 0 ? sign * Math.scalb(m / 1024.0, -14) : sign * Math.scalb(1 + m / 1024.0, e - 15);
            assertEquals(expected, got, 0.0, "bits " + Integer.toHexString(bits));
        }
    }
}
