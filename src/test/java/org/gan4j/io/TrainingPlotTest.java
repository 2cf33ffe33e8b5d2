package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    void writesAPngWithFourDistinctSeriesAndALegend() throws IOException {
        List<TrainingPlot.Row> rows = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            rows.add(new TrainingPlot.Row(i, 1.4 * Math.exp(-i / 1000.0), 0.7 + Math.sin(i / 300.0), 0.8, 0.2));
        }
        Path png = dir.resolve("plot.png");
        TrainingPlot.write(png, rows, 640, 480);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(640, img.getWidth());
        assertEquals(480, img.getHeight());
        // Each series' colour is drawn (at least its legend swatch, 22 x 4 pixels), and the four differ.
        assertEquals(4, java.util.Arrays.stream(TrainingPlot.COLOURS).distinct().count());
        for (int colour : TrainingPlot.COLOURS) {
            int n = 0;
            for (int y = 0; y < 480; y++) {
                for (int x = 0; x < 640; x++) {
                    n += (img.getRGB(x, y) & 0xFFFFFF) == colour ? 1 : 0;
                }
            }
            assertTrue(n >= 88, String.format("colour %06x drawn on %d pixels", colour, n));
        }
        assertThrows(IllegalArgumentException.class, () -> TrainingPlot.render(rows, 100, 480));
    }

    /** No rows yet (metrics read less often than the plot is drawn): empty panels, not an error. */
    @Test
    void noRowsGiveEmptyPanels() {
        BufferedImage img = TrainingPlot.render(List.of(), 640, 480);
        assertEquals(640, img.getWidth());
    }

    @Test
    void ticksAreRoundAndLabelsShort() {
        assertArrayEquals(new double[] {0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}, TrainingPlot.ticks(0, 1), 0);
        assertArrayEquals(new double[] {200, 400, 600, 800}, TrainingPlot.ticks(101, 937), 0);
        assertEquals("0.6", TrainingPlot.label(0.6000000000000001));
        assertEquals("937", TrainingPlot.label(937));
        assertEquals("0.00123", TrainingPlot.label(0.00123));
        assertEquals("0", TrainingPlot.label(1e-17));
    }
}
