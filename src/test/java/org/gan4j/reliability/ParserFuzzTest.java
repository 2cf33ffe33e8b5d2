package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.gan4j.api.Checkpoints;
import org.gan4j.api.GanSampler;
import org.gan4j.data.ByteImageDataset;
import org.gan4j.data.DatasetException;
import org.gan4j.data.IdxDataset;
import org.gan4j.data.ImageFolderDataset;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.CheckpointFormatException;
import org.gan4j.io.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the three parsers of untrusted files: the IDX reader, the image-folder loader
 * (ImageIO's PNG/JPEG decoders behind gan4j's checks) and the safetensors reader.
 *
 * <p>The property, for every input: the parser either loads it or throws its documented exception
 * ({@link DatasetException} for the data loaders, {@link CheckpointFormatException} or {@link IOException} for
 * safetensors), and nothing else (no OutOfMemoryError, NegativeArraySizeException, ArrayIndexOutOfBounds..., no
 * hang). For IDX and safetensors (single-threaded readers) the bytes allocated on the calling thread are also bounded
 * by what the file justifies (see {@link #checkAllocation}).
 *
 * <p>Default run ({@code mvn test}): regression mode, each method replays its committed seed corpus and every past
 * finding from {@code src/test/resources/org/gan4j/reliability/ParserFuzzTestInputs/<method>/} (milliseconds).
 * Fuzzing mode, one method at a time ({@code maxDuration} below, 5 minutes each), see docs/RELIABILITY.md:
 * <pre>
 * JAZZER_FUZZ=1 mvn -o -B test -Dtest='ParserFuzzTest#idx'
 * JAZZER_FUZZ=1 mvn -o -B test -Dtest='ParserFuzzTest#safetensors'
 * JAZZER_FUZZ=1 mvn -o -B test -Dtest='ParserFuzzTest#imageFolder'
 * JAZZER_FUZZ=1 mvn -o -B test -Dtest='ParserFuzzTest#checkpoint'
 * </pre>
 * New coverage goes to {@code .cifuzz-corpus/} (not committed); a crashing input is written into the Inputs folder
 * above, where it becomes a regression test once committed.
 */
class ParserFuzzTest {
    /** Allocation allowed besides what the file justifies: buffers (64 KiB streams, 1 MiB blocks) and JSON trees. */
    private static final long FIXED_ALLOWANCE = 8L << 20;

    private static Path dir;
    private static Path file;
    private static Path imageDir;
    private static Path image;
    private static boolean warmingUp;

    @BeforeAll
    static void createFiles() throws IOException {
        dir = Files.createTempDirectory("gan4j-fuzz");
        file = dir.resolve("input");
        imageDir = Files.createDirectories(dir.resolve("images"));
        image = imageDir.resolve("x.png");
        // Load the parsers' classes (Jackson, ImageIO, gzip) once, so class initialisation does not count as
        // allocation by the first input.
        warmingUp = true;
        new ParserFuzzTest().idx(new byte[] {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 5});
        new ParserFuzzTest().idx(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        new ParserFuzzTest().safetensors("\u0002\0\0\0\0\0\0\0{}".getBytes(StandardCharsets.ISO_8859_1));
        new ParserFuzzTest().safetensors(new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 'x'});
        // and every committed input once (valid files load classes that error paths do not).
        for (String method : new String[] {"idx", "safetensors", "checkpoint"}) {
            java.net.URL inputs = ParserFuzzTest.class.getResource("ParserFuzzTestInputs/" + method);
            if (inputs != null && "file".equals(inputs.getProtocol())) {
                try (Stream<Path> s = Files.list(Path.of(inputs.toURI()))) {
                    for (Path f : (Iterable<Path>) s::iterator) {
                        byte[] data = Files.readAllBytes(f);
                        switch (method) {
                            case "idx" -> new ParserFuzzTest().idx(data);
                            case "safetensors" -> new ParserFuzzTest().safetensors(data);
                            default -> new ParserFuzzTest().checkpoint(data);
                        }
                    }
                } catch (java.net.URISyntaxException e) {
                    throw new IOException(e);
                }
            }
        }
        warmingUp = false;
    }

    @AfterAll
    static void deleteFiles() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    @FuzzTest(maxDuration = "5m")
    void idx(byte[] data) throws IOException {
        Files.write(file, data);
        long before = allocatedBytes();
        try {
            ByteImageDataset d = IdxDataset.load(file, null);
            assertTrue(d.size() >= 1);
        } catch (DatasetException expected) {
            assertMessage(expected);
        }
        // Raw files: the pixels are the file's bytes. Gzip: at most deflate's 1032:1 ratio, and blocks are allocated
        // as data arrives, so a header that promises more than arrives costs one 1 MiB block.
        boolean gzip = data.length >= 2 && (data[0] & 0xFF) == 0x1f && (data[1] & 0xFF) == 0x8b;
        checkAllocation(before, (gzip ? 2 * 1032L : 2L) * data.length);
    }

    @FuzzTest(maxDuration = "5m")
    void safetensors(byte[] data) throws IOException {
        Files.write(file, data);
        long before = allocatedBytes();
        try {
            Safetensors.Contents c = Safetensors.read(file);
            assertTrue(c.tensors().size() >= 0);
        } catch (CheckpointFormatException expected) {
            assertMessage(expected);
        } catch (IOException expected) {
            assertMessage(expected);
        }
        // Tensor data widens to at most 8 bytes per input byte (U8/BOOL -> long); the header's JSON tree (Jackson
        // nodes, UTF-16 text) costs tens of bytes per header byte.
        checkAllocation(before, 64L * data.length);
    }

    /**
     * A checkpoint as {@code sample} reads it: a gan4j checkpoint ({@link Checkpoint#read}) or else a PyTorch
     * state_dict ({@link Checkpoints#importPyTorchDcgan}), then a {@link GanSampler} draws one sample. Its metadata
     * declares the model, so this is where a small file could ask for a huge one: the allocation bound is the same
     * as for safetensors (twice: the file is read twice), whatever sizes the metadata declares.
     */
    @FuzzTest(maxDuration = "5m")
    void checkpoint(byte[] data) throws IOException {
        Files.write(file, data);
        long before = allocatedBytes();
        try {
            Checkpoint c = Safetensors.read(file).metadata().containsKey("format") ? Checkpoint.read(file)
                    : Checkpoints.importPyTorchDcgan(file, null);
            try (GanSampler s = GanSampler.of(c, 1)) {
                assertTrue(s.sample(1, 0).length == s.sampleShape().size());
            }
        } catch (CheckpointFormatException expected) {
            assertMessage(expected);
        } catch (IOException expected) {
            assertMessage(expected);
        }
        checkAllocation(before, 2 * 64L * data.length);
    }

    @FuzzTest(maxDuration = "5m")
    void imageFolder(byte[] data) throws IOException {
        Files.write(image, data);
        try {
            ByteImageDataset d = ImageFolderDataset.load(imageDir, 8, 3);
            assertTrue(d.size() == 1);
        } catch (DatasetException expected) {
            assertMessage(expected);
        }
    }

    private static void assertMessage(Exception e) {
        if (e.getMessage() == null || e.getMessage().isBlank()) {
            fail("a documented exception without a message", e);
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    private static void checkAllocation(long before, long justified) {
        long used = allocatedBytes() - before;
        if (!warmingUp && used > justified + FIXED_ALLOWANCE) {
            throw new AssertionError("allocated " + used + " bytes for a file that justifies " + justified
                    + " (+" + FIXED_ALLOWANCE + " for buffers)");
        }
    }
}
