package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingPlotTest {
    @TempDir
    Path dir;

    @Test
    void downsampleAveragesBuckets() {
        List<TrainingPlot.Row> rows = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            rows.add(new TrainingPlot.Row(i, 2 * i, i == 3 ? Double.NaN : 1, 0.5, 0.25));
        }
        assertSame(rows, TrainingPlot.downsample(rows, 10));
        // Buckets [0,2), [2,5), [5,7), [7,10): mean steps 0.5, 3, 5.5, 8 (rounded half up), loss_D twice that.
        List<TrainingPlot.Row> d = TrainingPlot.downsample(rows, 4);
        assertEquals(4, d.size());
        long[] steps = {1, 3, 6, 8};
        double[] lossD = {1, 6, 11, 16};
        for (int i = 0; i < 4; i++) {
            assertEquals(steps[i], d.get(i).step());
            assertEquals(lossD[i], d.get(i).lossD(), 1e-12);
            assertEquals(1, d.get(i).lossG(), 0); // the NaN in bucket 1 is left out of the mean
        }
    }

    @Test
    void writesAPng() throws IOException {
        List<TrainingPlot.Row> rows = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            rows.add(new TrainingPlot.Row(i, 1.4 * Math.exp(-i / 1000.0), 0.7 + Math.sin(i / 300.0), 0.8, 0.2));
        }
        Path png = dir.resolve("plot.png");
        TrainingPlot.write(png, rows, 640, 480);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(480, img.getHeight());
        // The two series colours are drawn somewhere (a blank or failed chart would not contain them).
        boolean blue = false;
        boolean orange = false;
        for (int y = 0; y < 480; y++) {
            for (int x = 0; x < 640; x++) {
                int p = img.getRGB(x, y) & 0xFFFFFF;
                blue |= p == 0x1f77b4;
                orange |= p == 0xff7f0e;
            }
        }
        assertTrue(blue && orange, "series colours present: blue " + blue + ", orange " + orange);
        assertThrows(IllegalArgumentException.class, () -> TrainingPlot.render(List.of(), 640, 480));
    }
}
