package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.TrainingConfig;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.tensor.Shape;
import org.gan4j.testing.TrainingWarnings;

/**
 * The no-font path: a run's pictures (loss plot, sample grid, 2-D scatter) are drawn without the JDK's native font
 * library. On a server without libharfbuzz/fontconfig, loading libfontmanager.so throws UnsatisfiedLinkError (it
 * killed a CUDA run at its first epoch end, issue 10); a picture that never loads it renders there.
 *
 * <p>The check runs in a child JVM (a fresh process: nothing loaded by other tests), which trains a short ring run
 * (scatter, loss plot), draws a grid and a plot with no rows, and then reports whether libfontmanager is mapped into
 * its address space ({@code /proc/self/maps}, Linux). The same child asked to draw one string with
 * {@code Graphics2D.drawString} does load it: the check can fail.
 */
class HeadlessRenderingTest {
    @TempDir
    Path tmp;

    @Test
    void runPicturesNeverLoadTheNativeFontLibrary() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux /proc/self/maps");
        assertEquals("fontmanager loaded: false", child("pictures"));
        assertNotNull(ImageIO.read(tmp.resolve("run/losses.png").toFile()));
        assertNotNull(ImageIO.read(tmp.resolve("run/samples/epoch_001.png").toFile()));
        assertNotNull(ImageIO.read(tmp.resolve("grid.png").toFile()));
        assertNotNull(ImageIO.read(tmp.resolve("empty.png").toFile()));
    }

    @Test
    void drawingTextDoesLoadIt() throws Exception {
        assumeTrue(Files.isReadable(Path.of("/proc/self/maps")), "needs Linux /proc/self/maps");
        String out = child("text");
        assumeTrue(!out.startsWith("no fonts"), "this machine has no usable AWT fonts: " + out);
        assertEquals("fontmanager loaded: true", out);
    }

    private String child(String what) throws IOException, InterruptedException {
        Path log = tmp.resolve(what + ".log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.awt.headless=true", "-cp", System.getProperty("java.class.path"), Child.class.getName(), what,
                tmp.toString()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String out = Files.readString(log, StandardCharsets.UTF_8).trim();
        assertEquals(0, p.exitValue(), out);
        String[] lines = out.split("\n");
        return lines[lines.length - 1];
    }

    /** The child JVM: draws the pictures (or one string), then says whether libfontmanager is mapped. */
    static final class Child {
        public static void main(String[] args) throws Exception {
            Path dir = Path.of(args[1]);
            if (args[0].equals("text")) {
                BufferedImage img = new BufferedImage(50, 20, BufferedImage.TYPE_INT_RGB);
                Graphics2D g = img.createGraphics();
                try {
                    g.drawString("loss_D", 2, 12);
                } catch (Throwable e) {
                    System.out.println("no fonts: " + e);
                    return;
                } finally {
                    g.dispose();
                }
            } else {
                TrainingConfig c = TrainingConfig.builder().model(ModelConfig.mlp2d(2, 16, 2))
                        .dataset(DatasetConfig.ring(64)).trainer(TrainerConfig.builder().batchSize(32).build())
                        .steps(3).backend("cpu").threads(1).output(dir.resolve("run")).build();
                List<String> warnings;
                try (GanTraining t = GanTraining.create(c)) {
                    warnings = TrainingWarnings.runCollecting(t);
                }
                if (!warnings.isEmpty()) {
                    throw new AssertionError("warnings: " + warnings);
                }
                ImageGrid.write(dir.resolve("grid.png"), new float[16 * 3 * 8 * 8], Shape.of(16, 3, 8, 8), 4);
                TrainingPlot.write(dir.resolve("empty.png"), List.of(), 400, 300);
            }
            boolean loaded = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .anyMatch(l -> l.contains("libfontmanager"));
            System.out.println("fontmanager loaded: " + loaded);
        }
    }
}
