package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
    @TempDir
    Path dir;

    @Test
    void greyGridIsPixelExact() throws IOException {
        float[] images = {
            -1f, 1f, 0f, 0.5f, // image 0: 0, 255, floor(127.5 + .5) = 128, floor(191.25 + .5) = 191
            2f, -3f, Float.NaN, -0.5f, // image 1: clamped 255, clamped 0, NaN -> 0, floor(63.75 + .5) = 64
            0.25f, -0.75f, 0.999f, -1f, // image 2: floor(159.375 + .5) = 159, 32, floor(254.87 + .5) = 255, 0
        };
        // 3 images of 2x2, nrow 2: 2 columns, 2 rows; (2 (2 + 2) + 2) = 10 pixels each way; padding black.
        int[][] expected = {
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 0, 255, 0, 0, 255, 0, 0, 0},
            {0, 0, 128, 191, 0, 0, 0, 64, 0, 0},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 159, 32, 0, 0, 0, 0, 0, 0},
            {0, 0, 255, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
            {0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
        };
        Path png = dir.resolve("out/grid.png"); // parent folder created on demand
        ImageGrid.write(png, images, Shape.of(3, 1, 2, 2), 2);
        BufferedImage read = ImageIO.read(png.toFile());
        assertEquals(10, read.getWidth());
        assertEquals(10, read.getHeight());
        assertEquals(1, read.getRaster().getNumBands());
        for (int y = 0; y < 10; y++) {
            int[] row = read.getRaster().getSamples(0, y, 10, 1, 0, new int[10]);
            assertArrayEquals(expected[y], row, "row " + y);
        }
    }

    @Test
    void rgbChannelsGoToTheRightPlace() throws IOException {
        // One 1x2 RGB image: pixel 0 = (R 1, G -1, B 0) -> (255, 0, 128); pixel 1 = (-1, 1, -1) -> (0, 255, 0).
        float[] chw = {1f, -1f, -1f, 1f, 0f, -1f};
        BufferedImage one = ImageGrid.toBufferedImage(chw, 0, 3, 1, 2);
        assertEquals(0xFF0080, one.getRGB(0, 0) & 0xFFFFFF);
        assertEquals(0x00FF00, one.getRGB(1, 0) & 0xFFFFFF);
        Path png = dir.resolve("rgb.png");
        ImageGrid.write(png, chw, Shape.of(1, 3, 1, 2), 8);
        BufferedImage read = ImageIO.read(png.toFile());
        assertEquals(6, read.getWidth()); // 1 column: 2 + 2 + 2
        assertEquals(5, read.getHeight()); // 1 row: 1 + 2 + 2
        assertEquals(0xFF0080, read.getRGB(2, 2) & 0xFFFFFF);
        assertEquals(0x00FF00, read.getRGB(3, 2) & 0xFFFFFF);
        assertEquals(0, read.getRGB(0, 0) & 0xFFFFFF);
    }

    @Test
    void badArguments() {
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.grid(new float[8], Shape.of(1, 2, 2, 2), 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.grid(new float[3], Shape.of(1, 1, 2, 2), 1));
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.grid(new float[4], Shape.of(1, 1, 2, 2), 0));
    }
}
