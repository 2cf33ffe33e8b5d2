package org.gan4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdxDatasetTest {
    @TempDir
    Path dir;

    /** An IDX file: magic, dims, then data. */
    static byte[] idx(int magic, int[] dims, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(4 + 4 * dims.length + data.length); // big-endian by default
        b.putInt(magic);
        for (int d : dims) {
            b.putInt(d);
        }
        b.put(data);
        return b.array();
    }

    static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(raw);
        }
        return bos.toByteArray();
    }

    /** 3 images of 2x4 with pixel (i, k) = 10 i + k, and labels 7, 0, 2. */
    static byte[] images() {
        byte[] px = new byte[3 * 8];
        for (int i = 0; i < 3; i++) {
            for (int k = 0; k < 8; k++) {
                px[i * 8 + k] = (byte) (10 * i + k);
            }
        }
        px[23] = (byte) 255;
        return idx(0x803, new int[] {3, 2, 4}, px);
    }

    static byte[] labels() {
        return idx(0x801, new int[] {3}, new byte[] {7, 0, 2});
    }

    private Path file(String name, byte[] content) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, content);
        return p;
    }

    private void checkSmall(ByteImageDataset ds) {
        assertEquals(3, ds.size());
        assertEquals(Shape.of(1, 2, 4), ds.sampleShape());
        assertTrue(ds.hasLabels());
        assertEquals(8, ds.numClasses());
        assertEquals(7, ds.label(0));
        assertEquals(2, ds.label(2));
        float[] out = new float[10];
        ds.get(1, out, 2);
        for (int k = 0; k < 8; k++) {
            // x / 127.5 - 1 computed in float by the loader: the same float expression here.
            assertEquals((10 + k) / 127.5f - 1f, out[2 + k], 0f);
        }
        assertEquals(0f, out[0], 0f); // before dstOffset: untouched
        out = new float[9];
        ds.get(2, out, 0);
        assertEquals(20 / 127.5f - 1f, out[0], 0f);
        assertEquals(1f, out[7], 0f); // byte 255 -> exactly 1
        assertEquals(0f, out[8], 0f); // after the sample: untouched
    }

    @Test
    void loadsRawAndGzipped() throws IOException {
        checkSmall(IdxDataset.load(file("i", images()), file("l", labels())));
        // Gzip is detected from the content; the names say nothing.
        checkSmall(IdxDataset.load(file("i2", gzip(images())), file("l2.raw", gzip(labels()))));
        ByteImageDataset noLabels = IdxDataset.load(file("i3.gz", images()), null);
        assertFalse(noLabels.hasLabels());
        assertEquals(0, noLabels.numClasses());
    }

    @Test
    void findsFilesInAFolder() throws IOException {
        file("train-images-idx3-ubyte.gz", gzip(images()));
        file("train-labels-idx1-ubyte", labels());
        ByteImageDataset ds = IdxDataset.fromDirectory(dir, true);
        checkSmall(ds);
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.fromDirectory(dir, false));
        assertTrue(e.getMessage().contains("t10k-images-idx3-ubyte"), e.getMessage());
        e = assertThrows(DatasetException.class, () -> IdxDataset.fashionMnist(dir.resolve("nope"), true));
        assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("fashion-mnist"),
                e.getMessage());
    }

    private String error(byte[] img, byte[] lab) throws IOException {
        Path i = file("img", img);
        Path l = lab == null ? null : file("lab", lab);
        DatasetException e = assertThrows(DatasetException.class, () -> IdxDataset.load(i, l));
        return e.getMessage();
    }

    private static void assertContains(String message, String... parts) {
        for (String p : parts) {
            assertTrue(message.contains(p), () -> "expected '" + p + "' in: " + message);
        }
    }

    @Test
    void truncatedRawAndGzipped() throws IOException {
        byte[] full = images();
        byte[] cut = Arrays.copyOf(full, full.length - 5);
        assertContains(error(cut, null), "img", "truncated", "needs 24 bytes", "found 19");
        assertContains(error(gzip(cut), null), "img (gzip)", "truncated", "needs 24 bytes", "found 19");
        // A cut compressed stream (not a complete gzip of cut data): still a clear truncation error.
        byte[] gz = gzip(full);
        assertContains(error(Arrays.copyOf(gz, gz.length - 12), null), "truncated", "needs 24 bytes");
        assertContains(error(Arrays.copyOf(full, 2), null), "too short", "2 bytes");
        assertContains(error(Arrays.copyOf(full, 9), null), "truncated header", "expected 12 bytes", "found 5");
    }

    @Test
    void wrongMagicTypeAndRank() throws IOException {
        byte[] bad = images();
        bad[0] = 0x12;
        assertContains(error(bad, null), "not an IDX file", "0x12000803", "expected 0x00000803");
        bad = images();
        bad[2] = 0x0D; // float
        assertContains(error(bad, null), "element type 0x0D", "only unsigned bytes");
        assertContains(error(labels(), null), "rank 1", "expected rank 3");
        assertContains(error(images(), images()), "lab", "rank 3", "expected rank 1");
    }

    @Test
    void absurdDimensionsFailBeforeAllocating() throws IOException {
        // 2^31-1 images of 2^31-1 x 2^31-1: must fail from the header, not by allocating.
        int max = Integer.MAX_VALUE;
        assertContains(error(idx(0x803, new int[] {max, max, max}, new byte[10]), null), "too large");
        // Plausible sample size but 2^31-1 images: more than the 2 GiB one IDX file may hold, from the header alone.
        assertContains(error(idx(0x803, new int[] {max, 28, 28}, new byte[10]), null), (long) max * 784
                + " bytes of data, more than the 2^31 (2 GiB)");
        assertContains(error(gzip(idx(0x803, new int[] {max, 28, 28}, new byte[10])), null), "more than the 2^31");
        // 2,000,000 images (1.5 GB) in a 26-byte file: the file size check stops it.
        assertContains(error(idx(0x803, new int[] {2_000_000, 28, 28}, new byte[10]), null), "truncated",
                "needs 1568000000 bytes", "found 10");
        // Same header gzipped: memory is bounded by what the stream really holds.
        assertContains(error(gzip(idx(0x803, new int[] {2_000_000, 28, 28}, new byte[10])), null), "truncated",
                "found 10");
        assertContains(error(idx(0x803, new int[] {0, 28, 28}, new byte[0]), null), "dimension 0 is 0");
        assertContains(error(idx(0x803, new int[] {-1, 28, 28}, new byte[0]), null), "dimension 0 is 4294967295");
    }

    @Test
    void trailingBytes() throws IOException {
        byte[] full = images();
        byte[] longer = Arrays.copyOf(full, full.length + 3);
        assertContains(error(longer, null), "3 trailing bytes");
        assertContains(error(gzip(longer), null), "trailing bytes");
    }

    @Test
    void labelCountMustMatch() throws IOException {
        byte[] fourLabels = idx(0x801, new int[] {4}, new byte[] {1, 2, 3, 4});
        assertContains(error(images(), fourLabels), "lab", "4 labels", "3 images");
    }

    @Test
    void missingFile() {
        DatasetException e = assertThrows(DatasetException.class,
                () -> IdxDataset.load(dir.resolve("absent.gz"), null));
        assertContains(e.getMessage(), "absent.gz", "not found");
    }

    @Test
    void fashionMnistIfInstalled() {
        Path fm = IdxDataset.FASHION_MNIST_DIR;
        Assumptions.assumeTrue(Files.isRegularFile(fm.resolve("t10k-images-idx3-ubyte.gz")),
                "Fashion-MNIST not installed at " + fm);
        ByteImageDataset test = IdxDataset.fashionMnist(fm, false);
        assertEquals(10000, test.size());
        assertEquals(Shape.of(1, 28, 28), test.sampleShape());
        assertEquals(10, test.numClasses());
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        int[] expected = new int[10];
        Arrays.fill(expected, 1000); // the Fashion-MNIST test split is balanced: 1000 per class
        assertTrue(Arrays.equals(expected, perClass), Arrays.toString(perClass));
        float[] x = new float[784];
        test.get(0, x, 0);
        float min = 1;
        float max = -1;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        assertEquals(-1f, min, 0f); // the background of the first test image (an ankle boot) is 0
        assertTrue(max > 0.5f, "the first image has bright pixels, max " + max);
    }
}
