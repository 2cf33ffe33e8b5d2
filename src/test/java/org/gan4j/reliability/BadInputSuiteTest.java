package org.gan4j.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;
import javax.imageio.ImageIO;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.cli.Main;
import org.gan4j.data.BatchLoader;
import org.gan4j.data.DatasetException;
import org.gan4j.data.IdxDataset;
import org.gan4j.data.ImageFolderDataset;
import org.gan4j.data.Mixture2d;
import org.gan4j.data.SyntheticShapes;
import org.gan4j.gan.Labels;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.CheckpointFormatException;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;
import org.gan4j.io.TensorDtype;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way bad input gets into gan4j, one table per way (IDX files, image folders, safetensors checkpoints, the
 * CLI's arguments, the Java API's shapes and hyper-parameters), and for each broken input the exact error the user
 * gets: exception type and full message (for the CLI: exit code and the whole stderr text).
 *
 * <p>Every case also checks that nothing worse happens: it runs under {@link #TIMEOUT} on another thread
 * (assertTimeoutPreemptively: a hang fails instead of blocking the build), the bytes allocated on that thread stay
 * within what the input justifies (for file cases: {@link #ALLOWANCE} + 4 x the input's size; a reader that sized an
 * array from a header's absurd dimensions would fail this or throw OutOfMemoryError), and the case's folder holds no
 * new regular file afterwards (no partial output, no leftover temporary file). Image decoding runs on the loader's
 * pool threads, which this count does not see; there the bound is the pixel check made before decoding.
 */
class BadInputSuiteTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final long ALLOWANCE = 16L << 20;
    private static final long NOT_CHECKED = -1;
    private static final String FASHION_FIX = "download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from "
            + "https://github.com/zalandoresearch/fashion-mnist into";

    @TempDir
    Path root;

    /** What a case does with its folder; returns the expected outcome. */
    @FunctionalInterface
    interface Setup {
        Expect prepare(Path dir) throws Exception;
    }

    /** Runs the code under test. */
    @FunctionalInterface
    interface Action {
        void run() throws Throwable;
    }

    /**
     * The expected outcome of one case.
     *
     * @param action     the call that must fail
     * @param type       the exception's exact class (for CLI cases: null, the exit code is checked instead)
     * @param message    the exact message (CLI: the whole stderr)
     * @param exitCode   the CLI's exit code, or 0 for non-CLI cases
     * @param inputBytes size of the input file (allocation bound), or NOT_CHECKED
     * @param err        the CLI's stderr, filled by the action
     */
    record Expect(Action action, Class<? extends Throwable> type, String message, int exitCode, long inputBytes,
            StringWriter err) {
        static Expect thrown(Action a, Class<? extends Throwable> type, String message, long inputBytes) {
            return new Expect(a, type, message, 0, inputBytes, null);
        }
    }

    record Case(String name, Setup setup) {
    }

    @TestFactory
    Stream<DynamicNode> badInputs() {
        Map<String, List<Case>> ways = new LinkedHashMap<>();
        ways.put("IDX files", idxCases());
        ways.put("image folders", imageCases());
        ways.put("safetensors checkpoints", safetensorsCases());
        ways.put("hostile checkpoints and sizes", hostileCheckpointCases());
        ways.put("CLI arguments", cliCases());
        ways.put("Java API", apiCases());
        List<DynamicNode> nodes = new ArrayList<>();
        int[] counter = {0};
        ways.forEach((way, cases) -> nodes.add(org.junit.jupiter.api.DynamicContainer.dynamicContainer(way,
                cases.stream().map(c -> DynamicTest.dynamicTest(c.name, () -> run(c, counter[0]++))))));
        return nodes.stream();
    }

    private void run(Case c, int index) throws Exception {
        Path dir = Files.createDirectories(root.resolve("case" + index));
        Expect e = c.setup.prepare(dir);
        List<Path> before = files(dir);
        long[] allocated = {0};
        Throwable thrown = assertTimeoutPreemptively(TIMEOUT, () -> {
            long start = allocatedBytes();
            try {
                e.action.run();
                return null;
            } catch (Throwable t) {
                return t;
            } finally {
                allocated[0] = allocatedBytes() - start;
            }
        }, c.name + ": did not finish within " + TIMEOUT);
        if (e.err != null) {
            if (thrown != null) {
                fail("the CLI threw instead of exiting with a message", thrown);
            }
        } else {
            if (thrown == null) {
                fail(c.name + ": no exception; expected " + e.type.getSimpleName() + ": " + e.message);
            }
            if (thrown.getClass() != e.type || !e.message.equals(thrown.getMessage())) {
                throw new AssertionError(c.name + ": expected " + e.type.getName() + ": " + e.message + "\n but got "
                        + thrown, thrown);
            }
        }
        if (e.inputBytes != NOT_CHECKED) {
            long justified = ALLOWANCE + 4 * e.inputBytes;
            assertTrue(allocated[0] <= justified, c.name + ": allocated " + allocated[0] + " bytes for an input of "
                    + e.inputBytes + " bytes (at most " + justified + " expected)");
        }
        List<Path> after = files(dir);
        after.removeAll(before);
        assertEquals(List.of(), after, c.name + ": left files behind");
    }

    // ---------------------------------------------------------------------------------------------- IDX files

    private List<Case> idxCases() {
        List<Case> cases = new ArrayList<>();
        byte[] px = new byte[24];
        cases.add(new Case("missing file", d -> {
            Path f = d.resolve("train-images-idx3-ubyte");
            return idx(f, -1, f + ": file not found; " + FASHION_FIX + " its folder, or pass the right path");
        }));
        cases.add(new Case("empty file", d -> {
            Path f = writeIdx(d, new byte[0]);
            return idx(f, 0, f + ": too short for an IDX file: 0 bytes; expected images (magic 0x00000803)");
        }));
        cases.add(new Case("truncated inside the magic", d -> {
            Path f = writeIdx(d, new byte[] {0, 0});
            return idx(f, 2, f + ": too short for an IDX file: 2 bytes; expected images (magic 0x00000803)");
        }));
        cases.add(new Case("wrong magic (a PNG file)", d -> {
            Path f = writeIdx(d, pngBytes(4, 4));
            return idx(f, Files.size(f), f + ": not an IDX file: magic 0x89504E47, expected 0x00000803 (images)");
        }));
        cases.add(new Case("wrong element type (float32, 0x0D)", d -> {
            Path f = writeIdx(d, idxBytes(0x00000D03, new int[] {1, 1, 1}, new byte[4]));
            return idx(f, Files.size(f), f + ": element type 0x0D is not supported; only unsigned bytes (0x08) are");
        }));
        cases.add(new Case("label file given as images", d -> {
            Path f = writeIdx(d, idxBytes(0x801, new int[] {3}, new byte[] {1, 2, 3}));
            return idx(f, Files.size(f), f + ": rank 1 (magic 0x00000801), expected rank 3 for images (0x00000803);"
                    + " are images and labels swapped?");
        }));
        cases.add(new Case("header longer than the file", d -> {
            Path f = writeIdx(d, Arrays.copyOf(idxBytes(0x803, new int[] {1, 1, 1}, new byte[0]), 8));
            return idx(f, 8, f + ": truncated header: expected 12 bytes of dimensions, found 4");
        }));
        cases.add(new Case("2^31 images of 2^31 pixels", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {1 << 31, 1 << 15, 1 << 16}, px));
            return idx(f, Files.size(f), f + ": dimension 0 is 2147483648; every dimension must be between 1 and"
                    + " 2^31-1");
        }));
        cases.add(new Case("2^31-1 images of 46341 x 46341 pixels", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {Integer.MAX_VALUE, 46341, 46341}, px));
            return idx(f, Files.size(f), f + ": one sample of 2147488281 bytes (dimensions [2147483647, 46341,"
                    + " 46341]) is too large; at most 2^30 bytes per sample");
        }));
        cases.add(new Case("2^31-1 one-pixel images in a 39-byte file", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {Integer.MAX_VALUE, 1, 1}, px));
            return idx(f, Files.size(f), f + ": truncated: header [2147483647, 1, 1] needs 2147483647 bytes of"
                    + " data, found 24; download the file again");
        }));
        cases.add(new Case("negative size (0xFFFFFFFF images)", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {-1, 28, 28}, px));
            return idx(f, Files.size(f), f + ": dimension 0 is 4294967295; every dimension must be between 1 and"
                    + " 2^31-1");
        }));
        cases.add(new Case("zero rows", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {3, 0, 4}, px));
            return idx(f, Files.size(f), f + ": dimension 1 is 0; every dimension must be between 1 and 2^31-1");
        }));
        cases.add(new Case("truncated data (60000 x 28 x 28 promised, 24 bytes present)", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {60000, 28, 28}, px));
            return idx(f, Files.size(f), f + ": truncated: header [60000, 28, 28] needs 47040000 bytes of data, found"
                    + " 24; download the file again");
        }));
        cases.add(new Case("trailing bytes", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {1, 1, 1}, new byte[3]));
            return idx(f, Files.size(f), f + ": 2 trailing bytes after the 1 bytes of data that header [1, 1, 1]"
                    + " describes; the file is corrupt or not an IDX file");
        }));
        cases.add(new Case("gzip: complete stream, data short", d -> {
            Path f = writeIdx(d, gzip(idxBytes(0x803, new int[] {3, 2, 4}, new byte[10]),
                    Deflater.DEFAULT_COMPRESSION));
            return idx(f, Files.size(f), f + " (gzip): truncated: header [3, 2, 4] needs 24 bytes of data, found 10;"
                    + " download the file again");
        }));
        cases.add(new Case("gzip: stream cut short", d -> {
            // Stored (uncompressed) deflate blocks, so the cut falls at a known byte of the data on every zlib.
            byte[] z = gzip(idxBytes(0x803, new int[] {100, 2, 4}, new byte[800]), Deflater.NO_COMPRESSION);
            Path f = writeIdx(d, Arrays.copyOf(z, 10 + 5 + 16 + 300));
            return idx(f, Files.size(f), f + " (gzip): truncated: header [100, 2, 4] needs 800 bytes of data, found"
                    + " 300; download the file again");
        }));
        cases.add(new Case("gzip: promises 2^31-1 images, holds 20 bytes", d -> {
            Path f = writeIdx(d, gzip(idxBytes(0x803, new int[] {Integer.MAX_VALUE, 1, 1}, new byte[20]),
                    Deflater.DEFAULT_COMPRESSION));
            return idx(f, Files.size(f), f + " (gzip): truncated: header [2147483647, 1, 1] needs 2147483647 bytes"
                    + " of data, found 20; download the file again");
        }));
        cases.add(new Case("gzip: declares 5,000,000 x 28 x 28 (was 5.2 GB, then OutOfMemoryError)", d -> {
            Path f = writeIdx(d, gzip(idxBytes(0x803, new int[] {5_000_000, 28, 28}, new byte[1000]),
                    Deflater.DEFAULT_COMPRESSION));
            return idx(f, Files.size(f), f + " (gzip): header [5000000, 28, 28] describes 3920000000 bytes of data,"
                    + " more than the 2^31 (2 GiB) gan4j loads from one IDX file");
        }));
        cases.add(new Case("gzip magic, then garbage", d -> {
            Path f = writeIdx(d, new byte[] {0x1f, (byte) 0x8b, 0, 0, 0, 0, 0, 0, 0, 0});
            return idx(f, 10, f + ": cannot read images: java.util.zip.ZipException: Unsupported compression"
                    + " method");
        }));
        cases.add(new Case("label count differs from image count", d -> {
            Path images = writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            Path labels = Files.write(d.resolve("labels"), idxBytes(0x801, new int[] {2}, new byte[] {0, 1}));
            return Expect.thrown(() -> IdxDataset.load(images, labels), DatasetException.class, labels + ": has 2"
                    + " labels but " + images + " has 3 images; use the label file that belongs to these images", 64);
        }));
        cases.add(new Case("conditional: no label file beside the images", d -> {
            writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            return Expect.thrown(() -> IdxDataset.trainingLabelClasses(d), DatasetException.class, d + ": no"
                    + " train-labels-idx1-ubyte(.gz) beside the images; a class-conditional model needs the label file"
                    + " (" + FASHION_FIX + " that folder)", 0);
        }));
        cases.add(new Case("conditional: images without labels", d -> {
            Path images = writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            return Expect.thrown(() -> DatasetConfig.requireClassLabels(IdxDataset.load(images, null), 3),
                    DatasetException.class, "IDX train-images-idx3-ubyte: 3 x (1, 2, 4), no labels: a"
                    + " class-conditional model needs class labels and this data has none; put"
                    + " train-labels-idx1-ubyte(.gz) beside IDX images, or each class's images in its own sub-folder"
                    + " of an image folder", 64);
        }));
        cases.add(new Case("conditional: a label skips a class (0, 2, 2: class 1 has no samples)", d -> {
            Path images = writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            Path labels = Files.write(d.resolve("labels"), idxBytes(0x801, new int[] {3}, new byte[] {0, 2, 2}));
            return Expect.thrown(() -> DatasetConfig.requireClassLabels(IdxDataset.load(images, labels), 3),
                    DatasetException.class, "IDX train-images-idx3-ubyte: 3 x (1, 2, 4), 3 classes: class 1 has no"
                    + " samples (labels must number the classes 0 to 2 without gaps); renumber the labels", 64);
        }));
        cases.add(new Case("conditional: labels out of the model's range (model of 2 classes, label 2)", d -> {
            Path images = writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            Path labels = Files.write(d.resolve("labels"), idxBytes(0x801, new int[] {3}, new byte[] {0, 1, 2}));
            return Expect.thrown(() -> DatasetConfig.requireClassLabels(IdxDataset.load(images, labels), 2),
                    DatasetException.class, "IDX train-images-idx3-ubyte: 3 x (1, 2, 4), 3 classes: the labels name"
                    + " 3 classes but the model has 2; train a new model on this data or use the data it was trained"
                    + " on", 64);
        }));
        cases.add(new Case("unreadable: a folder instead of a file", d -> {
            Path f = Files.createDirectory(d.resolve("train-images-idx3-ubyte"));
            return idx(f, 0, f + ": not a regular file (a folder, pipe or device); pass the IDX file itself");
        }));
        cases.add(new Case("unreadable: a named pipe (would block forever when opened)", d -> {
            Path f = fifo(d.resolve("train-images-idx3-ubyte"));
            return idx(f, 0, f + ": not a regular file (a folder, pipe or device); pass the IDX file itself");
        }));
        cases.add(new Case("unreadable: no read permission", d -> {
            Path f = writeIdx(d, idxBytes(0x803, new int[] {3, 2, 4}, px));
            Assumptions.assumeTrue(f.toFile().setReadable(false, false) && !Files.isReadable(f),
                    "file permissions are not enforced for this user (root)");
            return idx(f, 0, f + ": cannot read images: java.nio.file.AccessDeniedException: " + f);
        }));
        cases.add(new Case("folder without IDX files", d -> {
            Path dir = Files.createDirectory(d.resolve("mnist"));
            return Expect.thrown(() -> IdxDataset.fromDirectory(dir, true), DatasetException.class, dir + ": no"
                    + " train-images-idx3-ubyte(.gz) in this folder; " + FASHION_FIX + " that folder", 0);
        }));
        return cases;
    }

    private static Expect idx(Path f, long size, String message) {
        return Expect.thrown(() -> IdxDataset.load(f, null), DatasetException.class, message, Math.max(0, size));
    }

    // ------------------------------------------------------------------------------------------- image folders

    private List<Case> imageCases() {
        List<Case> cases = new ArrayList<>();
        cases.add(new Case("missing folder", d -> {
            Path dir = d.resolve("images");
            return images(dir, 0, dir + ": not a folder; pass the folder that holds your PNG/JPEG images");
        }));
        cases.add(new Case("empty folder", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            return images(dir, 0, dir + ": no .png, .jpg or .jpeg files in this folder or below it");
        }));
        cases.add(new Case("only other files (and a pipe named .png)", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Files.writeString(dir.resolve("README.txt"), "no images here");
            fifo(dir.resolve("pipe.png"));
            return images(dir, 0, dir + ": no .png, .jpg or .jpeg files in this folder or below it");
        }));
        cases.add(new Case("text file named .png", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.writeString(dir.resolve("a.png"), "not an image");
            return images(dir, 12, f + ": not a PNG or JPEG image (no decoder recognises its content) although its"
                    + " name says so; delete or rename the file");
        }));
        cases.add(new Case("empty .jpg", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.jpg"), new byte[0]);
            return images(dir, 0, f + ": not a PNG or JPEG image (no decoder recognises its content) although its"
                    + " name says so; delete or rename the file");
        }));
        cases.add(new Case("truncated PNG", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            byte[] png = pngBytes(16, 16);
            Path f = Files.write(dir.resolve("a.png"), Arrays.copyOf(png, png.length / 2));
            return images(dir, png.length, f + ": cannot decode the image (javax.imageio.IIOException: Error reading"
                    + " PNG image data); delete or replace the file");
        }));
        cases.add(new Case("truncated JPEG", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            byte[] jpg = imageBytes(16, 16, "jpg");
            Path f = Files.write(dir.resolve("a.jpg"), Arrays.copyOf(jpg, jpg.length / 2));
            return images(dir, jpg.length, f + ": cannot decode the image (javax.imageio.IIOException: Invalid"
                    + " JPEG file structure: missing SOS marker); delete or replace the file");
        }));
        cases.add(new Case("PNG header claiming 2^31-1 x 2^31-1 pixels", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeaderOnly(Integer.MAX_VALUE, Integer.MAX_VALUE));
            return images(dir, Files.size(f), f + ": 2147483647 x 2147483647 pixels is more than the 67108864"
                    + " (8192 x 8192) gan4j decodes; shrink the image or delete the file");
        }));
        cases.add(new Case("PNG header claiming 30000 x 30000 pixels in 57 bytes", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeaderOnly(30000, 30000));
            return images(dir, Files.size(f), f + ": 30000 x 30000 pixels is more than the 67108864"
                    + " (8192 x 8192) gan4j decodes; shrink the image or delete the file");
        }));
        cases.add(new Case("PNG header claiming 20000 x 20000 pixels in 57 bytes (ImageIO allocated 1.2 GB)", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeaderOnly(20000, 20000));
            return images(dir, Files.size(f), f + ": 20000 x 20000 pixels is more than the 67108864"
                    + " (8192 x 8192) gan4j decodes; shrink the image or delete the file");
        }));
        cases.add(new Case("PNG header claiming 2000 x 2000 pixels in 57 bytes", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeaderOnly(2000, 2000));
            return images(dir, Files.size(f), f + ": 2000 x 2000 pixels cannot fit in its 57 bytes (12002000"
                    + " bytes of 24-bit rows, and deflate expands at most 1032:1); the file is truncated or corrupt:"
                    + " delete or replace it");
        }));
        cases.add(new Case("truncated JPEG declaring 8192 x 8192 pixels (was decoded: 2.35 GB)", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            byte[] jpg = imageBytes(16, 16, "jpg");
            int sof = indexOf(jpg, new byte[] {(byte) 0xFF, (byte) 0xC0});
            ByteBuffer.wrap(jpg, sof + 5, 4).putShort((short) 8192).putShort((short) 8192);
            Path f = Files.write(dir.resolve("a.jpg"), jpg);
            return images(dir, jpg.length, f + ": 8192 x 8192 pixels cannot fit in its " + jpg.length + " bytes (a"
                    + " JPEG holds at most 256 pixels per byte); the file is truncated or corrupt: delete or replace"
                    + " it");
        }));
        cases.add(new Case("half a JPEG (was accepted, the rest grey)", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            byte[] jpg = imageBytes(64, 64, "jpg");
            Path f = Files.write(dir.resolve("a.jpg"), Arrays.copyOf(jpg, jpg.length * 3 / 5));
            return images(dir, jpg.length, f + ": the image is truncated or corrupt (Truncated File - Missing EOI marker);"
                    + " delete or replace the file");
        }));
        cases.add(new Case("truncated 16-bit RGBA PNG of 4096 x 4096 (was decoded: 608 MB)", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeader(4096, 4096, 16, 6, new byte[20_000]));
            return images(dir, Files.size(f), f + ": 4096 x 4096 pixels cannot fit in its " + Files.size(f)
                    + " bytes (134221824 bytes of 64-bit rows, and deflate expands at most 1032:1); the file is"
                    + " truncated or corrupt: delete or replace it");
        }));
        cases.add(new Case("PNG header with width 0", d -> {
            Path dir = Files.createDirectory(d.resolve("images"));
            Path f = Files.write(dir.resolve("a.png"), pngHeaderOnly(0, 5));
            return images(dir, Files.size(f), f + ": cannot decode the image (javax.imageio.IIOException: I/O"
                    + " error reading PNG header!); delete or replace the file");
        }));
        cases.add(new Case("size 0", d -> Expect.thrown(() -> ImageFolderDataset.load(d, 0, 3),
                IllegalArgumentException.class, "image size must be in [1, 8192], got 0", 0)));
        cases.add(new Case("2 channels", d -> Expect.thrown(() -> ImageFolderDataset.load(d, 8, 2),
                IllegalArgumentException.class, "channels must be 1 (grey) or 3 (RGB), got 2", 0)));
        cases.add(new Case("conditional: an image outside the class sub-folders", d -> {
            Path dir = Files.createDirectories(d.resolve("images").resolve("cat"));
            Files.write(dir.resolve("1.png"), pngBytes(4, 4));
            Files.write(dir.getParent().resolve("loose.png"), pngBytes(4, 4));
            Path root = dir.getParent();
            return Expect.thrown(() -> ImageFolderDataset.classNames(root), DatasetException.class, root + ":"
                    + " loose.png lies directly in the folder, so it has no class; for class labels put each class's"
                    + " images in its own sub-folder (dir/<class>/...)", 0);
        }));
        return cases;
    }

    private static Expect images(Path dir, long size, String message) {
        return Expect.thrown(() -> ImageFolderDataset.load(dir, 8, 3), DatasetException.class, message, size);
    }

    // ---------------------------------------------------------------------------------- safetensors checkpoints

    private List<Case> safetensorsCases() {
        List<Case> cases = new ArrayList<>();
        String supported = Arrays.toString(TensorDtype.values());
        cases.add(new Case("missing file", d -> {
            Path f = d.resolve("x.safetensors");
            return st(f, 0, NoSuchFileException.class, f.toString());
        }));
        cases.add(new Case("empty file", d -> {
            Path f = writeSt(d, new byte[0]);
            return st(f, 0, f + ": file is 0 bytes, shorter than the 8-byte header length that starts a"
                    + " safetensors file");
        }));
        cases.add(new Case("truncated inside the length field", d -> {
            Path f = writeSt(d, new byte[5]);
            return st(f, 5, f + ": file is 5 bytes, shorter than the 8-byte header length that starts a"
                    + " safetensors file");
        }));
        cases.add(new Case("header longer than the file", d -> {
            Path f = writeSt(d, withLength(1000, "{}"));
            return st(f, 10, f + ": header length 1000 is larger than the 2 bytes after the length field; the file"
                    + " is truncated or not safetensors");
        }));
        cases.add(new Case("negative header length", d -> {
            Path f = writeSt(d, withLength(-1, "{}"));
            return st(f, 10, f + ": header length 18446744073709551615 is larger than the 2 bytes after the length"
                    + " field; the file is truncated or not safetensors");
        }));
        cases.add(new Case("header of 100 MiB + 1 (sparse file)", d -> {
            Path f = d.resolve("x.safetensors");
            long n = Safetensors.MAX_HEADER_BYTES + 1;
            try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
                raf.write(withLength(n, ""));
                raf.setLength(8 + n);
            }
            return st(f, 8, f + ": header length 104857601 exceeds the limit of 104857600 bytes (100 MiB)");
        }));
        cases.add(new Case("header not UTF-8", d -> {
            Path f = writeSt(d, withLength(2, new byte[] {(byte) 0xff, (byte) 0xfe}));
            return st(f, 10, f + ": header is not valid UTF-8 (java.nio.charset.MalformedInputException: Input"
                    + " length = 1)");
        }));
        cases.add(new Case("header not JSON", d -> {
            Path f = writeSt(d, withLength(5, "hello"));
            return st(f, 13, f + ": header is not valid JSON: Unrecognized token 'hello': was expecting (JSON"
                    + " String, Number, Array, Object or token 'null', 'true' or 'false')");
        }));
        cases.add(new Case("header a JSON array", d -> st(writeSt(d, withLength(2, "[]")), 10,
                d.resolve("x.safetensors") + ": header must be a JSON object, found ARRAY")));
        cases.add(new Case("empty header", d -> st(writeSt(d, withLength(0, "")), 8,
                d.resolve("x.safetensors") + ": header must be a JSON object, found nothing")));
        cases.add(new Case("duplicate tensor name", d -> {
            Path f = writeSt(d, file("{\"a\":" + entry("F32", "[1]", 0, 4) + ",\"a\":" + entry("F32", "[1]", 0, 4)
                    + "}", 4));
            return st(f, Files.size(f), f + ": header is not valid JSON: Duplicate field 'a'");
        }));
        cases.add(new Case("wrong dtype (F8)", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F8", "[4]", 0, 4) + "}", 4));
            return st(f, Files.size(f), f + ": tensor 'w': unknown or unsupported dtype 'F8'; supported: "
                    + supported);
        }));
        cases.add(new Case("dtype not a string", d -> {
            Path f = writeSt(d, file("{\"w\":{\"dtype\":5,\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
            return st(f, Files.size(f), f + ": tensor 'w': dtype missing or not a string: 5");
        }));
        cases.add(new Case("negative dimension", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F32", "[-2]", 0, 8) + "}", 8));
            return st(f, Files.size(f), f + ": tensor 'w': shape[0] is -2; it must be a non-negative integer below"
                    + " 2^63");
        }));
        cases.add(new Case("absurd shape: 2^31 x 2^31 x 4 bytes overflows", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F32", "[2147483648,2147483648]", 0, 8) + "}", 8));
            return st(f, Files.size(f), f + ": tensor 'w': shape [2147483648, 2147483648] of F32 needs more than"
                    + " 2^63 bytes");
        }));
        cases.add(new Case("absurd shape: 65536 x 65536 in 8 bytes", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F32", "[65536,65536]", 0, 8) + "}", 8));
            return st(f, Files.size(f), f + ": tensor 'w': shape [65536, 65536] of F32 needs 17179869184 bytes but"
                    + " data_offsets [0, 8] hold 8");
        }));
        cases.add(new Case("offsets past the end", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F32", "[4]", 0, 16) + "}", 8));
            return st(f, Files.size(f), f + ": tensor 'w': data_offsets [0, 16] must satisfy 0 <= begin <= end <= 8"
                    + " (the size of the data section)");
        }));
        cases.add(new Case("offset beyond 2^63", d -> {
            Path f = writeSt(d, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,"
                    + "100000000000000000000000000000]}}", 4));
            return st(f, Files.size(f), f + ": tensor 'w': data_offsets[1] is 100000000000000000000000000000; it"
                    + " must be a non-negative integer below 2^63");
        }));
        cases.add(new Case("begin after end", d -> {
            Path f = writeSt(d, file("{\"w\":" + entry("F32", "[1]", 8, 4) + "}", 8));
            return st(f, Files.size(f), f + ": tensor 'w': data_offsets [8, 4] must satisfy 0 <= begin <= end <= 8"
                    + " (the size of the data section)");
        }));
        cases.add(new Case("overlapping tensors", d -> {
            Path f = writeSt(d, file("{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 4, 12)
                    + "}", 12));
            return st(f, Files.size(f), f + ": tensor 'b': data_offsets [4, 12] overlap tensor 'a', which ends at"
                    + " 8");
        }));
        cases.add(new Case("gap between tensors", d -> {
            Path f = writeSt(d, file("{\"a\":" + entry("F32", "[2]", 0, 8) + ",\"b\":" + entry("F32", "[2]", 12, 20)
                    + "}", 20));
            return st(f, Files.size(f), f + ": tensor 'b': gap: data_offsets begin at 12 but the previous tensor"
                    + " 'a' ends at 8; the tensors must cover the data section without gaps");
        }));
        cases.add(new Case("bytes after the last tensor", d -> {
            Path f = writeSt(d, file("{\"a\":" + entry("F32", "[2]", 0, 8) + "}", 12));
            return st(f, Files.size(f), f + ": the data section has 12 bytes but the tensors cover only 8; 4 bytes"
                    + " at the end belong to no tensor");
        }));
        cases.add(new Case("offsets not integers", d -> {
            Path f = writeSt(d, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0.0,4]}}", 4));
            return st(f, Files.size(f), f + ": tensor 'w': data_offsets[0] is 0.0; it must be a non-negative"
                    + " integer below 2^63");
        }));
        cases.add(new Case("unexpected key in an entry", d -> {
            Path f = writeSt(d, file("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4));
            return st(f, Files.size(f), f + ": tensor 'w': unexpected key 'x'; an entry has only dtype, shape and"
                    + " data_offsets");
        }));
        cases.add(new Case("metadata value not a string", d -> {
            Path f = writeSt(d, file("{\"__metadata__\":{\"k\":1}}", 0));
            return st(f, Files.size(f), f + ": __metadata__ value of 'k' is NUMBER 1; metadata values must be"
                    + " strings");
        }));
        cases.add(new Case("unreadable: a folder", d -> {
            Path f = Files.createDirectory(d.resolve("x.safetensors"));
            return st(f, 0, f + ": not a regular file (a folder, pipe or device); give a .safetensors file");
        }));
        cases.add(new Case("unreadable: a named pipe (would block forever when opened)", d -> {
            Path f = fifo(d.resolve("x.safetensors"));
            return st(f, 0, f + ": not a regular file (a folder, pipe or device); give a .safetensors file");
        }));
        cases.add(new Case("checkpoint: missing", d -> {
            Path f = d.resolve("step_00000001.safetensors");
            return Expect.thrown(() -> Checkpoint.read(f), NoSuchFileException.class, f + ": checkpoint not found;"
                    + " give a .safetensors file or a run folder with checkpoints/", 0);
        }));
        cases.add(new Case("checkpoint: valid safetensors without the gan4j marker", d -> {
            Path f = d.resolve("x.safetensors");
            Safetensors.write(f, Map.of("w", TensorData.f32("w", new float[2], 2)), null);
            return Expect.thrown(() -> Checkpoint.read(f), CheckpointFormatException.class, f + ": not a gan4j"
                    + " checkpoint (metadata 'format' is missing, expected 'gan4j-checkpoint'); for a PyTorch"
                    + " state_dict use 'gan4j export'/'Checkpoints.importPyTorchDcgan'", Files.size(f));
        }));
        cases.add(new Case("checkpoint: format version from the future", d -> {
            Path f = d.resolve("x.safetensors");
            Safetensors.write(f, Map.of(), Map.of("format", "gan4j-checkpoint", "format_version", "2"));
            return Expect.thrown(() -> Checkpoint.read(f), CheckpointFormatException.class, f + ": format version 2"
                    + " is not supported (this gan4j reads 1 to 1); use the gan4j version that wrote it (unknown)",
                    Files.size(f));
        }));
        cases.add(new Case("checkpoint: truncated (last 8 bytes lost)", d -> {
            Path f = truncatedCheckpoint(d.resolve("step_00000002.safetensors"));
            return Expect.thrown(() -> Checkpoint.read(f), CheckpointFormatException.class, f + ": tensor"
                    + " 'generator.b': data_offsets [16, 32] must satisfy 0 <= begin <= end <= 24 (the size of the data"
                    + " section)", Files.size(f));
        }));
        cases.add(new Case("run folder whose only checkpoint is truncated", d -> {
            Path dir = Files.createDirectories(d.resolve("run").resolve("checkpoints"));
            Path f = truncatedCheckpoint(dir.resolve("step_00000002.safetensors"));
            return Expect.thrown(() -> Checkpoint.readLatest(d.resolve("run")), NoSuchFileException.class, dir
                    + ": no usable checkpoint (step_N.safetensors) in this folder; skipped: " + f + ": tensor"
                    + " 'generator.b': data_offsets [16, 32] must satisfy 0 <= begin <= end <= 24 (the size of the data"
                    + " section)", Files.size(f));
        }));
        return cases;
    }

    private static Expect st(Path f, long size, String message) {
        return st(f, size, CheckpointFormatException.class, message);
    }

    private static Expect st(Path f, long size, Class<? extends Throwable> type, String message) {
        return Expect.thrown(() -> Safetensors.read(f), type, message, size);
    }

    /** A gan4j-marked safetensors file with generator.a, generator.b (F32[4] each), cut by 8 bytes. */
    private static Path truncatedCheckpoint(Path f) throws IOException {
        Map<String, TensorData> t = new LinkedHashMap<>();
        t.put("generator.a", TensorData.f32("generator.a", new float[4], 4));
        t.put("generator.b", TensorData.f32("generator.b", new float[4], 4));
        Safetensors.write(f, t, Map.of("format", "gan4j-checkpoint", "format_version", "1", "model", "{}",
                "training", "{}", "progress", "{}"));
        byte[] all = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(all, all.length - 8));
        return f;
    }

    // ------------------------------------------------------------------------- hostile checkpoints and sizes

    private List<Case> hostileCheckpointCases() {
        List<Case> cases = new ArrayList<>();
        String was = "; was the file edited or written by another program?\n";
        cases.add(new Case("sample: metadata declares a 10^9-wide generator (was 3.2 GB, OutOfMemoryError)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(1_000_000_000, 1), tinyGenerator(0f));
            return cliRun(d, "gan4j: " + f + ": the generator it describes would have 5000000002 parameters and"
                    + " buffers, more than the 268435456 (2^28) gan4j loads" + was, 2, "sample", "--checkpoint",
                    f.toString(), "--out", d.resolve("p.csv").toString());
        }));
        cases.add(new Case("sample: metadata declares depth 10^8 (hung, 6.4 GB after 60 s)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 100_000_000), tinyGenerator(0f));
            return cliRun(d, "gan4j: " + f + ": metadata 'model' declares depth 100000000 but the generator has 4"
                    + " tensors" + was, 2, "sample", "--checkpoint", f.toString(), "--out",
                    d.resolve("p.csv").toString());
        }));
        cases.add(new Case("train --resume: a layer of 65536 x 65536 (int overflow: shape [-1094687232])", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(65536, 2), tinyGenerator(0f));
            return cliRun(d, "gan4j: " + f + ": metadata 'model' is invalid: shape [65536, 65536] has more than"
                    + " 2^31-1 elements\n", 2, "train", "--resume", f.toString());
        }));
        cases.add(new Case("export: a checkpoint without tensors (wrote an empty generator, exit 0)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), Map.of());
            return cliRun(d, "gan4j: " + f + ": the generator does not fit the model its metadata describes:"
                    + " missing '0.weight' [4, 2]; missing '0.bias' [4]; missing '2.weight' [2, 4]; missing"
                    + " '2.bias' [2]" + was, 2, "export", "--checkpoint", f.toString(), "--pytorch", "--out",
                    d.resolve("out").toString());
        }));
        cases.add(new Case("sample: a NaN weight (gave identical finite points, exit 0)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(Float.NaN));
            return cliRun(d, "gan4j: " + f + ": the generator does not fit the model its metadata describes:"
                    + " '0.weight' holds 1 NaN or infinite values" + was, 2, "sample", "--checkpoint",
                    f.toString(), "--out", d.resolve("p.csv").toString());
        }));
        cases.add(new Case("sample -n 2^31-1 (printed 'gan4j: -2')", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(0f));
            return cliRun(d, "gan4j: 2147483647 samples of (2,) are 4294967294 values, more than the 67108864 (256"
                    + " MiB) one call returns; ask for at most 33554432 and draw more with other seeds\n", 2,
                    "sample", "--checkpoint", f.toString(), "-n", "2147483647", "--out", d.resolve("p.csv")
                    .toString());
        }));
        cases.add(new Case("eval -n 2^31-1 (printed 'gan4j: -2')", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(0f));
            return cliRun(d, "gan4j: 2147483647 samples of (2,) are 4294967294 values, more than the 67108864 (256"
                    + " MiB) one call returns; ask for at most 33554432 and draw more with other seeds\n", 2,
                    "eval", "--checkpoint", f.toString(), "--dataset", "ring", "-n", "2147483647");
        }));
        cases.add(new Case("sample --out x.png from a 2-D model (wrote CSV into it)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(0f));
            Path out = d.resolve("x.png");
            return cliRun(d, "gan4j: --out " + out + ": a 2-D model's samples are points, written as CSV, so the name"
                    + " must end in .csv\n(gan4j sample --help shows every option)\n", 2, "sample", "--checkpoint",
                    f.toString(), "--out", out.toString());
        }));
        cases.add(new Case("sample --out into /proc (named a temporary file)", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(0f));
            Assumptions.assumeTrue(Files.isDirectory(Path.of("/proc/self")), "needs Linux /proc");
            return cliRun(d, "gan4j: I/O error: cannot write /proc/x.csv: its folder /proc does not allow creating"
                    + " files; choose another path\n(run again with --verbose for the stack trace)\n", 1, "sample",
                    "--checkpoint", f.toString(), "--out", "/proc/x.csv");
        }));
        cases.add(new Case("export --out an existing file (said only 'I/O error: <path>')", d -> {
            Path f = checkpointWith(d.resolve("c.safetensors"), mlp(4, 1), tinyGenerator(0f));
            Path file = Files.writeString(d.resolve("taken"), "x");
            return cliRun(d, "gan4j: I/O error: cannot write " + file.toAbsolutePath().resolve("netG.safetensors")
                    + ": " + file.toAbsolutePath() + " is a file, not a folder; choose another path\n(run again with"
                    + " --verbose for the stack trace)\n", 1, "export", "--checkpoint", f.toString(), "--pytorch",
                    "--out", file.toString());
        }));
        cases.add(new Case("import --pytorch: zero-byte tensor declared [2000000, 0, 4, 4] (OutOfMemoryError)", d -> {
            Path f = writeSt(d, file("{" + "\"main.0.weight\":" + entry("F32", "[2000000,0,4,4]", 0, 0)
                    + ",\"main.12.weight\":" + entry("F32", "[2,3,4,4]", 0, 384) + "}", 384));
            return cliRun(d, "gan4j: " + f + ": the generator it describes would have 512002904 parameters and"
                    + " buffers, more than the 268435456 (2^28) gan4j loads" + was, 2, "import", "--pytorch",
                    "--generator", f.toString(), "--out", d.resolve("g.safetensors").toString());
        }));
        cases.add(new Case("import --pytorch: 20,000 unexpected names (a 7.7 MB message for 200k)", d -> {
            StringBuilder h = new StringBuilder("{");
            for (int i = 0; i < 20_000; i++) {
                h.append(i == 0 ? "" : ",").append(String.format("\"x%05d\":", i)).append(entry("U8", "[1]", i,
                        i + 1));
            }
            Path f = writeSt(d, file(h.append('}').toString(), 20_000));
            return cliRun(d, "gan4j: " + f + ": not a pytorch/examples DCGAN state_dict: 'x00000' does not start"
                    + " with 'main.'; 'x00001' does not start with 'main.'; 'x00002' does not start with 'main.';"
                    + " 'x00003' does not start with 'main.'; 'x00004' does not start with 'main.'; and 19995 more;"
                    + " save it with save_file(netG.state_dict(), path)\n", 2, "import", "--pytorch",
                    "--generator", f.toString(), "--out", d.resolve("g.safetensors").toString());
        }));
        cases.add(new Case("synthetic shapes: 2,000,000 images of 28 x 28 (1.5 GB)", d -> Expect.thrown(
                () -> SyntheticShapes.generate(2_000_000, 28, 1, 0), IllegalArgumentException.class,
                "2000000 synthetic images of 1 x 28 x 28 are 1568000000 bytes, more than the 1073741824 (1 GiB)"
                        + " generated data may take; ask for at most 1369568 images", NOT_CHECKED)));
        return cases;
    }

    /** {@code model} metadata of an mlp2d with nz 2, G width {@code width}, D width 8 and {@code depth}. */
    private static String mlp(int width, int depth) {
        return "{\"architecture\":\"mlp2d\",\"nz\":2,\"generator_width\":" + width
                + ",\"discriminator_width\":8,\"channels\":2,\"depth\":" + depth + "}";
    }

    /** The generator of mlp2d (nz 2, hidden 4, depth 1) as checkpoint tensors; {@code first} replaces one weight. */
    private static Map<String, TensorData> tinyGenerator(float first) {
        Map<String, TensorData> t = new LinkedHashMap<>();
        float[] w = new float[8];
        w[0] = first;
        t.put("generator.0.weight", TensorData.f32("generator.0.weight", w, 4, 2));
        t.put("generator.0.bias", TensorData.f32("generator.0.bias", new float[4], 4));
        t.put("generator.2.weight", TensorData.f32("generator.2.weight", new float[8], 2, 4));
        t.put("generator.2.bias", TensorData.f32("generator.2.bias", new float[2], 2));
        return t;
    }

    /** A gan4j-marked checkpoint with {@code model} metadata and {@code tensors}; training "{}", a valid progress. */
    private static Path checkpointWith(Path f, String model, Map<String, TensorData> tensors) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("format", "gan4j-checkpoint");
        meta.put("format_version", "1");
        meta.put("model", model);
        meta.put("training", "{}");
        meta.put("progress", "{\"step\":1,\"generator_steps\":1,\"epoch\":0,\"batch_in_epoch\":1,"
                + "\"trainer_random\":0,\"generator_random\":0,\"discriminator_random\":0}");
        Safetensors.write(f, tensors, meta);
        return f;
    }

    // ------------------------------------------------------------------------------------------- CLI arguments

    private List<Case> cliCases() {
        List<Case> cases = new ArrayList<>();
        String help = "(gan4j train --help shows every option)\n";
        cli(cases, "batch size 0", "gan4j: batchSize must be >= 2 (batch norm in training mode needs at least two"
                + " samples), got 0\n", 2, "--batch-size", "0");
        cli(cases, "negative batch size", "gan4j: batchSize must be >= 2 (batch norm in training mode needs at"
                + " least two samples), got -5\n", 2, "--batch-size", "-5");
        cli(cases, "batch size not a number", "gan4j: Invalid value for option '--batch-size': 'abc' is not an int\n"
                + help, 2, "--batch-size", "abc");
        cli(cases, "NaN learning rate", "gan4j: lrD must be a finite number > 0 (typically 1e-4 to 1e-3), got NaN\n",
                2, "--lr-d", "NaN");
        cli(cases, "infinite learning rate", "gan4j: lrG must be a finite number > 0 (typically 1e-4 to 1e-3), got"
                + " Infinity\n", 2, "--lr-g", "Infinity");
        cli(cases, "negative learning rate", "gan4j: lrG must be a finite number > 0 (typically 1e-4 to 1e-3), got"
                + " -0.001\n", 2, "--lr-g", "-1e-3");
        cli(cases, "beta1 = 1", "gan4j: beta1 must be in [0, 1), got 1.0\n", 2, "--beta1", "1");
        cli(cases, "negative steps", "gan4j: --steps must be >= 1, got -1; leave it out to train by --epochs\n"
                + help, 2, "--steps", "-1");
        cli(cases, "zero steps (trained a whole epoch)", "gan4j: --steps must be >= 1, got 0; leave it out to train"
                + " by --epochs\n" + help, 2, "--steps", "0");
        cli(cases, "empty dataset name (walked the current folder)", "gan4j: dataset is empty; give fashion-mnist,"
                + " ring, grid, synthetic or a folder of IDX files or images\n", 2, "--dataset", "");
        cli(cases, "synthetic dataset of 2e9 images", "gan4j: dataset SYNTHETIC of 2000000000 samples is more than"
                + " the 10000000 gan4j generates; use a smaller --dataset-size\n", 2, "--dataset", "synthetic",
                "--dataset-size", "2000000000");
        cli(cases, "--conditional on 2-D points", "gan4j: --conditional needs an image model (dcgan28 or dcgan64);"
                + " mlp2d has no class-conditional variant\n", 2, "--conditional");
        cli(cases, "--conditional with PacGAN packing", "gan4j: a class-conditional model cannot pack samples (PacGAN):"
                + " D judges each sample against its own class; drop --pack or --conditional\n", 2, "--dataset",
                "synthetic", "--conditional", "--pack", "2");
        cli(cases, "--r1 with a batch-norm discriminator (dcgan28)", "gan4j: the R1 penalty needs a discriminator"
                + " piecewise linear in its input (Linear or Conv2d layers with identity, ReLU or LeakyReLU"
                + " activations, reshapes; no batch norm, dropout, tanh or sigmoid): this one is not; use mlp2d or"
                + " turn R1 off (--r1 0; r1Gamma 0 in TrainerConfig)\n", 2, "--dataset", "synthetic",
                "--dataset-size", "16", "--batch-size", "4", "--r1", "1");
        cli(cases, "--pack that does not divide the batch (said Pack(3) and a tensor shape)", "gan4j: batch size 4"
                + " is not a multiple of pack 3 (PacGAN: D judges 3 samples at once); choose a batch size divisible"
                + " by 3 or another pack\n", 2, "--pack", "3", "--batch-size", "4");
        // mlp2d of width W, depth 3: Linear(2, W), 2 x Linear(W, W), Linear(W, 2): 2 W^2 + 7 W + 2 values
        cli(cases, "--width 20000 (a model whose checkpoints could not be loaded)", "gan4j: model mlp2d: its"
                + " generator would have 800140002 parameters and buffers, more than the 268435456 (2^28) a gan4j"
                + " checkpoint holds; use a smaller width, depth or latent size\n", 2, "--width", "20000");
        cli(cases, "--lr-schedule with a step of 0", "gan4j: learning-rate schedule 'step:0': step schedule interval"
                + " must be >= 1 step, got 0\n", 2, "--lr-schedule", "step:0");
        cli(cases, "zero D steps per G step", "gan4j: dStepsPerGStep must be >= 1, got 0\n", 2, "--d-steps", "0");
        cli(cases, "label flip probability 2", "gan4j: labels.flipProbability must be in [0, 1], got 2.0\n", 2,
                "--label-flip", "2");
        cli(cases, "empty dataset (0 points)", "gan4j: dataset RING needs a sample count >= 1, got 0\n", 2,
                "--dataset-size", "0");
        cli(cases, "dataset smaller than one batch", "gan4j: batch size 64 does not fit ring of 8 Gaussians"
                + " (radius 1.0, std 0.01): 10 points: it holds 10 samples; use a batch of at most 10 or more data\n",
                2, "--dataset-size", "10", "--batch-size", "64");
        cli(cases, "dataset of one point (said the batch must be between 1 and 1)", "gan4j: batch size 64 does not"
                + " fit ring of 8 Gaussians (radius 1.0, std 0.01): 1 points: it holds 1 sample; training needs"
                + " batches of at least 2, so give more data\n", 2, "--dataset-size", "1", "--batch-size", "64");
        cli(cases, "negative threads", "gan4j: threads must be >= 0 (0: every processor), got -1\n", 2, "--threads",
                "-1");
        cli(cases, "negative checkpoint interval", "gan4j: checkpoint interval must be >= 0 steps (0: every epoch),"
                + " got -1\n", 2, "--checkpoint-every", "-1");
        cli(cases, "keep 0 checkpoints", "gan4j: keep-checkpoints must be >= 1, got 0\n", 2, "--keep-checkpoints",
                "0");
        cli(cases, "unknown backend", "gan4j: backend must be auto, cpu or cuda, got 'gpu'\n", 2, "--backend", "gpu");
        cli(cases, "unknown model", "gan4j: unknown model 'resnet'; choose one of dcgan64, dcgan28, mlp2d\n", 2,
                "--model", "resnet");
        cli(cases, "model that does not fit the data", "gan4j: dataset ring (100000 points) gives 2-D points but model"
                + " dcgan28 needs images; use --model mlp2d or another dataset\n", 2, "--model", "dcgan28");
        cli(cases, "unknown option", "gan4j: Unknown option: '--bogus'\n" + help, 2, "--bogus");
        cases.add(new Case("dataset that does not exist", d -> {
            Path missing = d.resolve("nowhere");
            return cliRun(d, "gan4j: dataset '" + missing + "' is neither fashion-mnist, ring, grid, synthetic nor an"
                    + " existing folder; give one of those or a folder of IDX files or images\n", 2, "train",
                    "--dataset", missing.toString(), "--out", d.resolve("run").toString());
        }));
        cases.add(new Case("dataset folder without images", d -> {
            Path data = Files.createDirectory(d.resolve("data"));
            return cliRun(d, "gan4j: " + data + ": no .png, .jpg or .jpeg files in this folder or below it\n", 2,
                    "train", "--dataset", data.toString(), "--steps", "1", "--backend", "cpu", "--out",
                    d.resolve("run").toString());
        }));
        cases.add(new Case("dataset folder with a truncated IDX file", d -> {
            Path data = Files.createDirectory(d.resolve("data"));
            Path f = Files.write(data.resolve("train-images-idx3-ubyte"),
                    idxBytes(0x803, new int[] {60000, 28, 28}, new byte[100]));
            return cliRun(d, "gan4j: " + f + ": truncated: header [60000, 28, 28] needs 47040000 bytes of data, found"
                    + " 100; download the file again\n", 2, "train", "--dataset", data.toString(), "--steps", "1",
                    "--backend", "cpu", "--out", d.resolve("run").toString());
        }));
        cases.add(new Case("resume from a missing checkpoint", d -> {
            Path f = d.resolve("step_00000001.safetensors");
            return cliRun(d, "gan4j: " + f + ": checkpoint not found; give a .safetensors file or a run folder with"
                    + " checkpoints/\n", 2, "train", "--resume", f.toString());
        }));
        cases.add(new Case("resume from a truncated checkpoint", d -> {
            Path f = truncatedCheckpoint(d.resolve("step_00000002.safetensors"));
            return cliRun(d, "gan4j: " + f + ": tensor 'generator.b': data_offsets [16, 32] must satisfy 0 <= begin"
                    + " <= end <= 24 (the size of the data section)\n", 2, "train", "--resume", f.toString());
        }));
        cases.add(new Case("resume from a text file", d -> {
            Path f = Files.writeString(d.resolve("notes.txt"), "hello");
            return cliRun(d, "gan4j: " + f + ": file is 5 bytes, shorter than the 8-byte header length that starts a"
                    + " safetensors file\n", 2, "train", "--resume", f.toString());
        }));
        cases.add(new Case("resume while changing the batch size", d -> {
            Path f = truncatedCheckpoint(d.resolve("step_00000002.safetensors"));
            return cliRun(d, "gan4j: --batch-size cannot be changed when resuming (the checkpoint's settings are"
                    + " used); drop it\n" + help, 2, "train", "--resume", f.toString(), "--batch-size", "4");
        }));
        cases.add(new Case("resume with an unknown --lr-schedule (checked before the checkpoint is read)", d -> {
            Path f = truncatedCheckpoint(d.resolve("step_00000002.safetensors"));
            return cliRun(d, "gan4j: unknown learning-rate schedule 'cosine'; expected constant, linear[:START]"
                    + " (START in [0, 1)) or step:EVERY[:GAMMA] (EVERY >= 1 steps, GAMMA in (0, 1], default 0.5)\n",
                    2, "train", "--resume", f.toString(), "--lr-schedule", "cosine");
        }));
        cases.add(new Case("--conditional on an image folder of one class", d -> {
            Path cat = Files.createDirectories(d.resolve("images").resolve("cat"));
            Files.write(cat.resolve("1.png"), pngBytes(4, 4));
            Files.write(cat.resolve("2.png"), pngBytes(4, 4));
            Path root = cat.getParent();
            return cliRun(d, "gan4j: images in " + root + ": 2 x (1, 28, 28), 1 class (0 cat): the labels name a"
                    + " single class, and a class-conditional model needs at least 2 (one label value, or one"
                    + " sub-folder of images, per class); drop --conditional to train on this data\n", 2, "train",
                    "--dataset", root.toString(), "--model", "dcgan28", "--conditional", "--batch-size", "2",
                    "--steps", "1", "--backend", "cpu", "--threads", "1", "--out", d.resolve("run").toString());
        }));
        cases.add(new Case("a path the platform cannot represent (as non-ASCII under LANG=C)", d -> cliRun(d,
                "gan4j: Invalid value for option '--checkpoint': 'a\0b' is not a usable path (Nul character not"
                + " allowed; platform encoding " + System.getProperty("sun.jnu.encoding") + "); run with a UTF-8"
                + " locale, e.g. LC_ALL=C.UTF-8\n(gan4j sample --help shows every option)\n", 2, "sample",
                "--checkpoint", "a\0b")));
        cases.add(new Case("no subcommand", d -> cliRun(d, "gan4j: choose a subcommand: train, sample, eval, export"
                + " or import (gan4j --help lists them)\n(gan4j --help shows every option)\n", 2)));
        cases.add(new Case("sample from a missing checkpoint", d -> {
            Path f = d.resolve("step_00000001.safetensors");
            return cliRun(d, "gan4j: " + f + ": checkpoint not found; give a .safetensors file or a run folder with"
                    + " checkpoints/\n", 2, "sample", "--checkpoint", f.toString(), "--out",
                    d.resolve("out.png").toString());
        }));
        return cases;
    }

    /** A {@code train} on the ring with one bad option; the run folder must stay free of files. */
    private void cli(List<Case> cases, String name, String stderr, int code, String... bad) {
        cases.add(new Case(name, d -> {
            List<String> args = new ArrayList<>(List.of("train"));
            String[] base = {"--dataset", "ring", "--steps", "2", "--backend", "cpu", "--threads", "1"};
            for (int i = 0; i < base.length; i += 2) {
                if (!List.of(bad).contains(base[i])) {
                    args.add(base[i]);
                    args.add(base[i + 1]);
                }
            }
            args.addAll(List.of("--out", d.resolve("run").toString()));
            args.addAll(List.of(bad));
            return cliRun(d, stderr, code, args.toArray(new String[0]));
        }));
    }

    private static Expect cliRun(Path d, String stderr, int code, String... args) {
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        int[] exit = {-1};
        Action a = () -> {
            exit[0] = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
            assertEquals(stderr, err.toString(), "stderr of gan4j " + String.join(" ", args));
            assertEquals(code, exit[0], "exit code of gan4j " + String.join(" ", args));
        };
        return new Expect(a, null, stderr, code, NOT_CHECKED, err);
    }

    // ------------------------------------------------------------------------------------------------ Java API

    private List<Case> apiCases() {
        List<Case> cases = new ArrayList<>();
        api(cases, "NaN learning rate", () -> TrainerConfig.builder().lr(Float.NaN).build(),
                "lrD must be a finite number > 0 (typically 1e-4 to 1e-3), got NaN");
        api(cases, "zero learning rate for G", () -> TrainerConfig.builder().lrG(0f).build(),
                "lrG must be a finite number > 0 (typically 1e-4 to 1e-3), got 0.0");
        api(cases, "zero batch", () -> TrainerConfig.builder().batchSize(0).build(),
                "batchSize must be >= 2 (batch norm in training mode needs at least two samples), got 0");
        api(cases, "NaN beta2", () -> TrainerConfig.builder().betas(0.5f, Float.NaN).build(),
                "beta2 must be in [0, 1), got NaN");
        api(cases, "metrics every 0 steps", () -> TrainerConfig.builder().metricsEvery(0).build(),
                "metricsEvery must be >= 1, got 0");
        api(cases, "NaN real label", () -> new Labels(Float.NaN, 0f, 0f, 0f),
                "labels.real must be a finite number, got NaN");
        api(cases, "targets outside [0, 1] for cross-entropy", () -> TrainerConfig.builder()
                .labels(new Labels(1.5f, 0f, 0f, 0f)).build(), "labels for the NON_SATURATING loss must keep every"
                + " target in [0, 1] (binary cross-entropy), got targets from 0.0 to 1.5 (Labels[real=1.5, fake=0.0,"
                + " noise=0.0, flipProbability=0.0]); lower the noise or move the values");
        api(cases, "negative steps", () -> TrainingConfig.builder().steps(-1).build(),
                "steps must be >= 0 (0: train by epochs), got -1");
        api(cases, "zero epochs", () -> TrainingConfig.builder().epochs(0).build(),
                "epochs must be >= 1 when steps is not given, got 0");
        api(cases, "empty generated dataset", () -> DatasetConfig.ring(0),
                "dataset RING needs a sample count >= 1, got 0");
        api(cases, "mlp2d with latent size 0", () -> ModelConfig.mlp2d(0, 16, 2), "nz must be >= 1, got 0");
        api(cases, "dcgan64 with 2 channels", () -> ModelConfig.dcgan64(100, 64, 64, 2),
                "dcgan64 makes grey or RGB images: channels must be 1 or 3, got 2");
        api(cases, "batch larger than the dataset", () -> new BatchLoader(Mixture2d.ring8(10, 1), 64, 1).close(),
                "batch size 64 does not fit ring of 8 Gaussians (radius 1.0, std 0.01): 10 points: it holds 10"
                + " samples; use a batch of at most 10 or more data");
        api(cases, "zero batch for the loader", () -> new BatchLoader(Mixture2d.ring8(10, 1), 0, 1).close(),
                "batch size must be >= 1, got 0");
        api(cases, "negative dimension", () -> Shape.of(2, -3), "every dimension must be >= 1, got shape [2, -3]");
        api(cases, "shape with 2^31 x 2^31 elements", () -> Shape.of(1 << 30, 1 << 30, 4),
                "shape [1073741824, 1073741824, 4] has more than 2^31-1 elements");
        api(cases, "model and data that do not fit", () -> {
            TrainingConfig c = TrainingConfig.builder().model(ModelConfig.of("mlp2d"))
                    .dataset(DatasetConfig.synthetic(16)).steps(1).backend("cpu").output(root.resolve("api-run"))
                    .build();
            try (GanTraining t = GanTraining.create(c)) {
                t.run(new GanTraining.Listener() { });
            }
        }, "dataset synthetic shapes (16 images) gives images but model mlp2d needs 2-D points; use --dataset ring"
                + " or grid or another dataset");
        cases.add(new Case("host array of the wrong length", d -> Expect.thrown(() -> {
            try (CpuBackend b = CpuBackend.create()) {
                Tensor t = b.allocate(Shape.of(2, 3));
                b.copyFromHost(new float[5], t);
            }
        }, IllegalArgumentException.class, "host array has 5 elements but tensor (2, 3) has 6", 0)));
        return cases;
    }

    private static void api(List<Case> cases, String name, Action a, String message) {
        cases.add(new Case(name, d -> Expect.thrown(a, IllegalArgumentException.class, message, NOT_CHECKED)));
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private static Path writeIdx(Path dir, byte[] content) throws IOException {
        return Files.write(dir.resolve("train-images-idx3-ubyte"), content);
    }

    private static Path writeSt(Path dir, byte[] content) throws IOException {
        return Files.write(dir.resolve("x.safetensors"), content);
    }

    private static Path fifo(Path p) throws IOException, InterruptedException {
        Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        Assumptions.assumeTrue(mk.waitFor() == 0, "mkfifo is not available");
        return p;
    }

    private static List<Path> files(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            return s.filter(Files::isRegularFile).collect(Collectors.toList());
        }
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    static byte[] idxBytes(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length);
        b.putInt(magic);
        for (int x : dims) {
            b.putInt(x);
        }
        return b.put(data).array();
    }

    static byte[] gzip(byte[] raw, int level) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos) {
            {
                def.setLevel(level);
            }
        }) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    private static byte[] withLength(long n, String header) {
        return withLength(n, header.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] withLength(long n, byte[] header) {
        return ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN).putLong(n).put(header).array();
    }

    /** A safetensors file: header text, then {@code dataBytes} zero bytes. */
    private static byte[] file(String header, int dataBytes) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return ByteBuffer.allocate(8 + h.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h)
                .array();
    }

    private static String entry(String dtype, String shape, long begin, long end) {
        return "{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    private static byte[] pngBytes(int w, int h) throws IOException {
        return imageBytes(w, h, "png");
    }

    private static byte[] imageBytes(int w, int h, String format) throws IOException {
        BufferedImage im = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                im.setRGB(x, y, (x * 37 + y * 11) * 0x010203);
            }
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        ImageIO.write(im, format, bos);
        return bos.toByteArray();
    }

    /** A PNG signature, an IHDR chunk (8-bit RGB) for {@code w x h} with a correct CRC, an empty IDAT and IEND. */
    private static byte[] pngHeaderOnly(int w, int h) {
        return pngHeader(w, h, 8, 2, new byte[0]);
    }

    /** A PNG signature, an IHDR chunk with a correct CRC, one IDAT holding {@code idat}, and IEND. */
    private static byte[] pngHeader(int w, int h, int bitDepth, int colourType, byte[] idat) {
        ByteBuffer b = ByteBuffer.allocate(8 + 25 + 12 + idat.length + 12);
        b.put(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        chunk(b, "IHDR", ByteBuffer.allocate(13).putInt(w).putInt(h)
                .put(new byte[] {(byte) bitDepth, (byte) colourType, 0, 0, 0}).array());
        chunk(b, "IDAT", idat);
        chunk(b, "IEND", new byte[0]);
        return b.array();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new IllegalArgumentException("not found");
    }

    private static void chunk(ByteBuffer b, String type, byte[] data) {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        b.putInt(data.length).put(t).put(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        b.putInt((int) crc.getValue());
    }
}
