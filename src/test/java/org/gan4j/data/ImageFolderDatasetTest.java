package org.gan4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
    @TempDir
    Path dir;

    private static BufferedImage rgb(int w, int h, int r, int g, int b) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r << 16 | g << 8 | b);
            }
        }
        return img;
    }

    private static BufferedImage grey(int w, int h, int v) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        return img;
    }

    private Path save(BufferedImage img, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        assertTrue(ImageIO.write(img, name.endsWith(".png") ? "png" : "jpg", p.toFile()));
        return p;
    }

    private static int[] bytes(ByteImageDataset ds, int i) {
        int[] out = new int[ds.sampleSize()];
        for (int k = 0; k < out.length; k++) {
            out[k] = ds.pixel(i, k);
        }
        return out;
    }

    @Test
    void uniformImagesKeepTheirColourSortedRecursively() throws IOException {
        save(grey(12, 9, 100), "b/2.png");
        save(rgb(40, 20, 200, 100, 50), "a.PNG");
        save(grey(16, 16, 128), "b/1.jpg");
        Files.writeString(dir.resolve("notes.txt"), "not an image, ignored");

        ByteImageDataset rgb3 = ImageFolderDataset.load(dir, 8, 3);
        assertEquals(3, rgb3.size());
        assertEquals(Shape.of(3, 8, 8), rgb3.sampleShape());
        assertFalse(rgb3.hasLabels());
        // Sorted by path: a.PNG, b/1.jpg, b/2.png. A uniform image stays uniform through bilinear scaling.
        int[] a = bytes(rgb3, 0);
        for (int k = 0; k < 64; k++) {
            assertEquals(200, a[k]);
            assertEquals(100, a[64 + k]);
            assertEquals(50, a[128 + k]);
        }
        for (int v : bytes(rgb3, 1)) {
            assertEquals(128, v, 2); // JPEG is lossy: a flat grey may come back off by a level or two
        }
        for (int v : bytes(rgb3, 2)) {
            assertEquals(100, v); // grey PNG: read from the raster, no gamma shift
        }

        ByteImageDataset grey1 = ImageFolderDataset.load(dir, 8, 1);
        // L = round(0.299 * 200 + 0.587 * 100 + 0.114 * 50) = round(124.2) = 124
        for (int v : bytes(grey1, 0)) {
            assertEquals(124, v);
        }
        for (int v : bytes(grey1, 2)) {
            assertEquals(100, v);
        }
        float[] f = new float[64];
        grey1.get(2, f, 0);
        assertEquals(100 / 127.5f - 1f, f[0], 0f);
    }

    @Test
    void resizesShorterSideAndCropsTheCentre() throws IOException {
        // 30 x 10: black | white | black thirds. Shorter side 10 -> 10 (no scaling): the centre crop is the white
        // third.
        BufferedImage img = rgb(30, 10, 0, 0, 0);
        for (int y = 0; y < 10; y++) {
            for (int x = 10; x < 20; x++) {
                img.setRGB(x, y, 0xFFFFFF);
            }
        }
        save(img, "wide.png");
        int[] same = bytes(ImageFolderDataset.load(dir, 10, 1), 0);
        int[] white = new int[100];
        Arrays.fill(white, 255);
        assertTrue(Arrays.equals(white, same), Arrays.toString(same));
        // Halved to 15 x 5: the 5 x 5 centre samples source columns 10..19 only, all white, so no black can mix in
        // except through rounding in the bilinear weights (allow 2 levels).
        for (int v : bytes(ImageFolderDataset.load(dir, 5, 1), 0)) {
            assertEquals(255, v, 2);
        }
        // Tall image: rows are cropped instead. 4 x 12 with the middle 4 rows grey 77.
        Files.delete(dir.resolve("wide.png"));
        BufferedImage tall = grey(4, 12, 0);
        for (int y = 4; y < 8; y++) {
            for (int x = 0; x < 4; x++) {
                tall.getRaster().setSample(x, y, 0, 77);
            }
        }
        save(tall, "tall.png");
        for (int v : bytes(ImageFolderDataset.load(dir, 4, 1), 0)) {
            assertEquals(77, v);
        }
    }

    @Test
    void largeDownscaleAveragesInsteadOfAliasing() throws IOException {
        // A 1-pixel black/white checkerboard of 256 x 256 reduced to 8 x 8 must average to mid grey (~128) everywhere;
        // point sampling would give pure black or white.
        BufferedImage img = rgb(256, 256, 0, 0, 0);
        for (int y = 0; y < 256; y++) {
            for (int x = 0; x < 256; x++) {
                if ((x + y) % 2 == 0) {
                    img.setRGB(x, y, 0xFFFFFF);
                }
            }
        }
        save(img, "checker.png");
        for (int v : bytes(ImageFolderDataset.load(dir, 8, 1), 0)) {
            assertEquals(127.5, v, 3); // the mean of 0 and 255, up to rounding in each halving step
        }
    }

    @Test
    void errorsNameTheFile() throws IOException {
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(dir, 8, 3));
        assertTrue(e.getMessage().contains("no .png, .jpg or .jpeg files"), e.getMessage());

        save(rgb(4, 4, 1, 2, 3), "good.png");
        Path text = dir.resolve("sub/readme.png");
        Files.createDirectories(text.getParent());
        Files.writeString(text, "hello, I am text", StandardCharsets.UTF_8);
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(dir, 8, 3));
        assertTrue(e.getMessage().contains("readme.png") && e.getMessage().contains("not a PNG or JPEG"),
                e.getMessage());
        Files.delete(text);

        // A real PNG cut in half: the decoder fails; the message names the file.
        byte[] png = Files.readAllBytes(save(rgb(64, 64, 9, 9, 9), "whole.png"));
        Files.write(dir.resolve("cut.png"), Arrays.copyOf(png, png.length / 2));
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(dir, 8, 3));
        assertTrue(e.getMessage().contains("cut.png"), e.getMessage());

        assertThrows(IllegalArgumentException.class, () -> ImageFolderDataset.load(dir, 8, 2));
        e = assertThrows(DatasetException.class, () -> ImageFolderDataset.load(dir.resolve("none"), 8, 3));
        assertTrue(e.getMessage().contains("not a folder"), e.getMessage());
    }

    @Test
    void aFileNameThatIsNotUtf8IsReadLikeAnyOther() throws IOException, InterruptedException {
        save(rgb(8, 8, 200, 100, 50), "a.png");
        // Rename to the bytes ff 2e 70 6e 67 (0xFF, then ".png"): not UTF-8, so Java cannot spell the name.
        Process mv = new ProcessBuilder("sh", "-c", "mv \"$1/a.png\" \"$1/$(printf '\\377').png\"", "sh",
                dir.toString()).redirectErrorStream(true).start();
        assertEquals(0, mv.waitFor(), new String(mv.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        ByteImageDataset ds = ImageFolderDataset.load(dir, 8, 3);
        assertEquals(1, ds.size());
        assertEquals(200, bytes(ds, 0)[0]); // before: "not a PNG or JPEG image" (opened as a java.io.File)
    }

    @Test
    void subFoldersAreClassesSortedByName() throws IOException {
        save(grey(4, 4, 10), "cat/1.png");
        save(grey(4, 4, 20), "dog/deeper/2.png");
        save(grey(4, 4, 30), "ant/3.png");
        Files.createDirectories(dir.resolve("zebra")); // no images: not a class
        Files.writeString(dir.resolve("cat/notes.txt"), "not an image"); // other files are ignored
        Files.createDirectories(dir.resolve("eel"));
        Files.writeString(dir.resolve("eel/README"), "no images here either"); // so eel is no class
        ByteImageDataset ds = ImageFolderDataset.load(dir, 4, 1);
        assertEquals(java.util.List.of("ant", "cat", "dog"), ds.classNames());
        assertEquals(java.util.List.of("ant", "cat", "dog"), ImageFolderDataset.classNames(dir));
        assertEquals(3, ds.numClasses());
        // the mapping a CLI user needs for sample --class K: on the train line and in summary.json
        assertEquals("images in " + dir + ": 3 x (1, 4, 4), 3 classes (0 ant, 1 cat, 2 dog)", ds.description());
        // files sorted by path: ant/3.png, cat/1.png, dog/deeper/2.png
        assertEquals(30, ds.pixel(0, 0));
        assertEquals(0, ds.label(0));
        assertEquals(1, ds.label(1));
        assertEquals(2, ds.label(2));
    }

    @Test
    void anImageOutsideTheSubFoldersMeansNoLabels() throws IOException {
        save(grey(4, 4, 10), "cat/1.png");
        save(grey(4, 4, 20), "loose.png");
        ByteImageDataset ds = ImageFolderDataset.load(dir, 4, 1);
        assertFalse(ds.hasLabels());
        assertEquals(null, ds.classNames());
        DatasetException e = assertThrows(DatasetException.class,
                () -> ImageFolderDataset.classNames(dir));
        assertEquals(dir + ": loose.png lies directly in the folder, so it has no class; for class labels put each"
                + " class's images in its own sub-folder (dir/<class>/...)", e.getMessage());
    }

    @Test
    void theDescriptionNamesTheFirstTenClassesAndTheLast() {
        int n = 12;
        byte[] labels = new byte[n];
        java.util.List<String> names = new java.util.ArrayList<>();
        for (int k = 0; k < n; k++) {
            labels[k] = (byte) k;
            names.add(String.valueOf((char) ('a' + k)));
        }
        ByteImageDataset ds = new ByteImageDataset("x", Shape.of(1, 1, 1), n,
                ByteImageDataset.allocateChunks(n, 1), labels, n, names);
        assertEquals("x: 12 x (1, 1, 1), 12 classes (0 a, 1 b, 2 c, 3 d, 4 e, 5 f, 6 g, 7 h, 8 i, 9 j, ..., 11 l)",
                ds.description());
        ByteImageDataset eleven = new ByteImageDataset("x", Shape.of(1, 1, 1), 11,
                ByteImageDataset.allocateChunks(11, 1), Arrays.copyOf(labels, 11), 11, names.subList(0, 11));
        assertEquals("x: 11 x (1, 1, 1), 11 classes (0 a, 1 b, 2 c, 3 d, 4 e, 5 f, 6 g, 7 h, 8 i, 9 j, 10 k)",
                eleven.description());
    }
}
