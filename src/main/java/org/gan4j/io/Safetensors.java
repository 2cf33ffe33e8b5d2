package org.gan4j.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads and writes the safetensors format (https://github.com/huggingface/safetensors), the checkpoint format of
 * Hugging Face and of {@code safetensors.torch.save_file}/{@code load_file}, so gan4j checkpoints open in PyTorch and
 * back.
 *
 * <p>Layout: an 8-byte little-endian unsigned header length N; N bytes of UTF-8 JSON
 * {@code {"__metadata__": {"k": "v"}, "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}};
 * then the data section, every tensor little-endian row-major at {@code [begin, end)} relative to the start of the
 * data section. The writer pads the header with spaces to a multiple of 8 bytes (as the reference implementation
 * does), keeps the tensors in the map's order and packs their data in that order.
 *
 * <p>The reader validates the whole header before reading any data: the file has at least 8 bytes, N fits in the
 * file and is at most {@value #MAX_HEADER_BYTES} bytes, the header is strict UTF-8 JSON (an object, no duplicate keys),
 * every entry has exactly dtype/shape/data_offsets with a known dtype, non-negative integer dims whose product times
 * the dtype size equals {@code end - begin} (overflow-checked), {@code 0 <= begin <= end <= data size}, the tensors
 * neither overlap nor leave gaps and cover the data section exactly, and metadata values are strings. Any violation
 * is a {@link CheckpointFormatException} naming the file, the tensor and the problem.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state; concurrent writes to the same file are each
 * atomic, and the last rename wins.
 */
public final class Safetensors {
    /** Largest header accepted, as in the reference implementation: 100 MiB. */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private static final String METADATA = "__metadata__";
    private static final int IO_CHUNK = 1 << 20;
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {
    }

    /**
     * A file's tensors (in header order) and metadata.
     *
     * @param file     where they were read from
     * @param tensors  by name, in the order of the header
     * @param metadata the {@code __metadata__} entries, empty when there are none
     */
    public record Contents(Path file, Map<String, TensorData> tensors, Map<String, String> metadata) {
        /** The tensor called {@code name}; a CheckpointFormatException naming the file if there is none. */
        public TensorData require(String name) {
            TensorData t = tensors.get(name);
            if (t == null) {
                throw new CheckpointFormatException(file, name, "missing; the file has " + tensors.size()
                        + " tensors: " + tensors.keySet());
            }
            return t;
        }
    }

    // ---------------------------------------------------------------------------------------------------- writing

    /**
     * Writes {@code tensors} (keys must equal the tensors' names; order kept) and {@code metadata} (may be null) to
     * {@code file} atomically (see {@link AtomicFiles}). Supported dtypes: F32, F64 (from floats), I64, I32 (from
     * longs; I32 values must fit).
     *
     * @throws IllegalArgumentException for an unsupported dtype, a key that is not the tensor's name, or
     *                                  {@code "__metadata__"} used as a tensor name
     * @throws IOException              if the file cannot be written (the target is then unchanged)
     */
    public static void write(Path file, Map<String, TensorData> tensors, Map<String, String> metadata)
            throws IOException {
        ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = header.putObject(METADATA);
            metadata.forEach((k, v) -> meta.put(Objects.requireNonNull(k, "metadata key"),
                    Objects.requireNonNull(v, () -> "metadata value of '" + k + "'")));
        }
        long offset = 0;
        for (Map.Entry<String, TensorData> e : tensors.entrySet()) {
            TensorData t = e.getValue();
            if (!e.getKey().equals(t.name())) {
                throw new IllegalArgumentException("map key '" + e.getKey() + "' differs from the tensor's name '"
                        + t.name() + "'; key each tensor by its name");
            }
            if (METADATA.equals(t.name())) {
                throw new IllegalArgumentException("'" + METADATA + "' is reserved and cannot name a tensor");
            }
            switch (t.dtype()) {
                case F32, F64, I64, I32 -> { }
                default -> throw new IllegalArgumentException("tensor '" + t.name() + "': writing " + t.dtype()
                        + " is not supported; write F32, F64, I64 or I32");
            }
            if (t.dtype() == TensorDtype.I32) {
                for (long v : t.longs()) {
                    if (v != (int) v) {
                        throw new IllegalArgumentException("tensor '" + t.name() + "': value " + v
                                + " does not fit I32; use I64");
                    }
                }
            }
            long bytes = t.numel() * t.dtype().bytes();
            ObjectNode entry = header.putObject(t.name());
            entry.put("dtype", t.dtype().name());
            ArrayNode shape = entry.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            entry.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = Arrays.copyOf(json, padded);
        Arrays.fill(head, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            ByteBuffer buf = ByteBuffer.allocate(IO_CHUNK).order(ByteOrder.LITTLE_ENDIAN);
            buf.putLong(padded);
            flush(buf, out);
            out.write(head);
            for (TensorData t : tensors.values()) {
                writeValues(t, buf, out);
            }
        });
    }

    private static void writeValues(TensorData t, ByteBuffer buf, OutputStream out) throws IOException {
        int n = (int) t.numel();
        int size = t.dtype().bytes();
        for (int i = 0; i < n; i++) {
            if (buf.remaining() < size) {
                flush(buf, out);
            }
            switch (t.dtype()) {
                case F32 -> buf.putFloat(t.floats()[i]);
                case F64 -> buf.putDouble(t.floats()[i]);
                case I64 -> buf.putLong(t.longs()[i]);
                case I32 -> buf.putInt((int) t.longs()[i]);
                default -> throw new AssertionError(t.dtype());
            }
        }
        flush(buf, out);
    }

    private static void flush(ByteBuffer buf, OutputStream out) throws IOException {
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    // ---------------------------------------------------------------------------------------------------- reading

    /** Where one tensor's data lies, from the validated header. */
    private record Entry(String name, TensorDtype dtype, long[] shape, long begin, long end) {
    }

    /**
     * Reads every tensor and the metadata of {@code file}, validating the header first (see the class comment).
     *
     * @throws CheckpointFormatException if the file is not valid safetensors
     * @throws IOException               if it cannot be read
     */
    public static Contents read(Path file) throws IOException {
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // Opening a named pipe blocks until someone writes to it; a folder fails only on the first read.
            throw new CheckpointFormatException(file, null, "not a regular file (a folder, pipe or device); give a"
                    + " .safetensors file");
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new CheckpointFormatException(file, null, "file is " + size
                        + " bytes, shorter than the 8-byte header length that starts a safetensors file");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0, file);
            long n = lenBuf.getLong(0);
            if (n < 0 || n > size - 8) {
                throw new CheckpointFormatException(file, null, "header length " + Long.toUnsignedString(n)
                        + " is larger than the " + (size - 8) + " bytes after the length field; the file is "
                        + "truncated or not safetensors");
            }
            if (n > MAX_HEADER_BYTES) {
                throw new CheckpointFormatException(file, null, "header length " + n + " exceeds the limit of "
                        + MAX_HEADER_BYTES + " bytes (100 MiB)");
            }
            ByteBuffer headBuf = ByteBuffer.allocate((int) n);
            readFully(ch, headBuf, 8, file);
            long dataStart = 8 + n;
            long dataSize = size - dataStart;
            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = parseHeader(file, headBuf.array(), dataSize, metadata);
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            // One read buffer for all tensors, no larger than the largest tensor: a file of many tiny tensors
            // must not cost a 1 MiB buffer each.
            ByteBuffer buf = ByteBuffer.allocate((int) Math.min(IO_CHUNK, Math.max(8, dataSize)))
                    .order(ByteOrder.LITTLE_ENDIAN);
            for (Entry e : entries) {
                tensors.put(e.name, readTensor(ch, dataStart, e, file, buf));
            }
            return new Contents(file, Collections.unmodifiableMap(tensors), Collections.unmodifiableMap(metadata));
        }
    }

    private static List<Entry> parseHeader(Path file, byte[] header, long dataSize, Map<String, String> metadata) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(header)).toString();
        } catch (CharacterCodingException e) {
            throw new CheckpointFormatException(file, null, "header is not valid UTF-8 (" + e + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new CheckpointFormatException(file, null, "header is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new CheckpointFormatException(file, null, "header must be a JSON object, found "
                    + (root == null || root.isMissingNode() ? "nothing" : root.getNodeType()));
        }
        List<Entry> entries = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (METADATA.equals(name)) {
                if (!v.isObject()) {
                    throw new CheckpointFormatException(file, null, "__metadata__ must be an object of strings, "
                            + "found " + v.getNodeType());
                }
                for (Iterator<Map.Entry<String, JsonNode>> m = v.fields(); m.hasNext(); ) {
                    Map.Entry<String, JsonNode> kv = m.next();
                    if (!kv.getValue().isTextual()) {
                        throw new CheckpointFormatException(file, null, "__metadata__ value of '" + kv.getKey()
                                + "' is " + kv.getValue().getNodeType() + " " + kv.getValue()
                                + "; metadata values must be strings");
                    }
                    metadata.put(kv.getKey(), kv.getValue().textValue());
                }
                continue;
            }
            entries.add(parseEntry(file, name, v, dataSize));
        }
        checkCoverage(file, entries, dataSize);
        return entries;
    }

    private static Entry parseEntry(Path file, String name, JsonNode v, long dataSize) {
        if (!v.isObject()) {
            throw new CheckpointFormatException(file, name, "entry must be an object with dtype, shape and "
                    + "data_offsets, found " + v.getNodeType());
        }
        for (Iterator<String> k = v.fieldNames(); k.hasNext(); ) {
            String key = k.next();
            if (!key.equals("dtype") && !key.equals("shape") && !key.equals("data_offsets")) {
                throw new CheckpointFormatException(file, name, "unexpected key '" + key
                        + "'; an entry has only dtype, shape and data_offsets");
            }
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointFormatException(file, name, "dtype missing or not a string: " + dt);
        }
        TensorDtype dtype;
        try {
            dtype = TensorDtype.valueOf(dt.textValue());
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException(file, name, "unknown or unsupported dtype '" + dt.textValue()
                    + "'; supported: " + Arrays.toString(TensorDtype.values()));
        }
        long[] shape = longArray(file, name, "shape", v.get("shape"), -1);
        long[] offsets = longArray(file, name, "data_offsets", v.get("data_offsets"), 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (begin > end || end > dataSize) {
            throw new CheckpointFormatException(file, name, "data_offsets [" + begin + ", " + end + "] must satisfy "
                    + "0 <= begin <= end <= " + dataSize + " (the size of the data section)");
        }
        long numel = 1;
        long bytes;
        try {
            for (long d : shape) {
                numel = Math.multiplyExact(numel, d);
            }
            bytes = Math.multiplyExact(numel, dtype.bytes());
        } catch (ArithmeticException e) {
            throw new CheckpointFormatException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs more than 2^63 bytes");
        }
        if (bytes != end - begin) {
            throw new CheckpointFormatException(file, name, "shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs " + bytes + " bytes but data_offsets [" + begin + ", " + end + "] hold "
                    + (end - begin));
        }
        if (numel > Integer.MAX_VALUE - 8) {
            throw new CheckpointFormatException(file, name, numel + " elements do not fit in one Java array");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** An array of non-negative integers; {@code length} >= 0 demands that length. */
    private static long[] longArray(Path file, String name, String key, JsonNode node, int length) {
        if (node == null || !node.isArray() || (length >= 0 && node.size() != length)) {
            throw new CheckpointFormatException(file, name, key + " must be an array of "
                    + (length >= 0 ? length + " " : "") + "non-negative integers, found " + node);
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = node.get(i);
            if (!e.isIntegralNumber() || !e.canConvertToLong() || e.longValue() < 0) {
                throw new CheckpointFormatException(file, name, key + "[" + i + "] is " + e
                        + "; it must be a non-negative integer below 2^63");
            }
            out[i] = e.longValue();
        }
        return out;
    }

    /** The tensors, sorted by offset, must tile [0, dataSize) exactly: no overlap, no gap, nothing left over. */
    private static void checkCoverage(Path file, List<Entry> entries, long dataSize) {
        List<Entry> sorted = new ArrayList<>(entries);
        sorted.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        long expected = 0;
        String previous = null;
        for (Entry e : sorted) {
            if (e.begin < expected) {
                throw new CheckpointFormatException(file, e.name, "data_offsets [" + e.begin + ", " + e.end
                        + "] overlap tensor '" + previous + "', which ends at " + expected);
            }
            if (e.begin > expected) {
                throw new CheckpointFormatException(file, e.name, "gap: data_offsets begin at " + e.begin
                        + " but the previous tensor" + (previous == null ? "s end" : " '" + previous + "' ends")
                        + " at " + expected + "; the tensors must cover the data section without gaps");
            }
            expected = e.end;
            previous = e.name;
        }
        if (expected != dataSize) {
            throw new CheckpointFormatException(file, null, "the data section has " + dataSize
                    + " bytes but the tensors cover only " + expected + "; " + (dataSize - expected)
                    + " bytes at the end belong to no tensor");
        }
    }

    private static TensorData readTensor(FileChannel ch, long dataStart, Entry e, Path file, ByteBuffer buf)
            throws IOException {
        int n = Math.toIntExact((e.end - e.begin) / e.dtype.bytes());
        float[] floats = e.dtype.isFloating() ? new float[n] : null;
        long[] longs = e.dtype.isFloating() ? null : new long[n];
        int perChunk = buf.capacity() / e.dtype.bytes();
        for (int done = 0; done < n; ) {
            int count = Math.min(perChunk, n - done);
            buf.clear().limit(count * e.dtype.bytes());
            readFully(ch, buf, dataStart + e.begin + (long) done * e.dtype.bytes(), file);
            buf.flip();
            for (int i = 0; i < count; i++) {
                switch (e.dtype) {
                    case F32 -> floats[done + i] = buf.getFloat();
                    case F64 -> floats[done + i] = (float) buf.getDouble();
                    case F16 -> floats[done + i] = halfToFloat(buf.getShort());
                    case BF16 -> floats[done + i] = Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                    case I64 -> longs[done + i] = buf.getLong();
                    case I32 -> longs[done + i] = buf.getInt();
                    case I16 -> longs[done + i] = buf.getShort();
                    case I8 -> longs[done + i] = buf.get();
                    case U8, BOOL -> longs[done + i] = buf.get() & 0xFF;
                    default -> throw new AssertionError(e.dtype);
                }
            }
            done += count;
        }
        return new TensorData(e.name, e.dtype, e.shape, floats, longs);
    }

    /** IEEE 754 binary16 to float, exactly (every half value is a float). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0x1F) { // infinity or NaN
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        if (exp == 0) { // zero or subnormal: mant * 2^-24
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position, Path file) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos);
            if (r < 0) {
                throw new CheckpointFormatException(file, null, "file ended at byte " + pos
                        + " while reading; it changed while being read");
            }
            pos += r;
        }
    }
}
