package org.gan4j.io;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;

/**
 * A square PNG scatter of generated 2-D points (blue dots) over the modes of the real mixture (red circles), the
 * picture GAN papers show for the ring and grid experiments. The view is centred on 0 and fits every mode and 99% of
 * the points' extent, with a 10% margin. Drawn with shapes only (no text), so it needs no fonts.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state.
 */
public final class ScatterPlot {
    private ScatterPlot() {
    }

    /** Writes {@code points} ((n, 2) row-major) and {@code modes} ((K, 2)) to {@code png}, {@code size} pixels wide. */
    public static void write(Path png, float[] points, double[][] modes, int size) throws IOException {
        AtomicFiles.writeImage(png, render(points, modes, size), "png");
    }

    /** The scatter as an image. */
    public static BufferedImage render(float[] points, double[][] modes, int size) {
        double extent = 1e-3;
        for (double[] m : modes) {
            extent = Math.max(extent, Math.max(Math.abs(m[0]), Math.abs(m[1])));
        }
        double[] abs = new double[points.length];
        for (int i = 0; i < points.length; i++) {
            abs[i] = Float.isFinite(points[i]) ? Math.abs(points[i]) : 0;
        }
        java.util.Arrays.sort(abs);
        if (abs.length > 0) {
            extent = Math.max(extent, abs[(int) Math.floor(0.99 * (abs.length - 1))]);
        }
        double scale = size / (2 * 1.1 * extent);
        BufferedImage img = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, size, size);
            g.setColor(new Color(30, 90, 200, 120));
            for (int i = 0; i + 1 < points.length; i += 2) {
                int x = (int) Math.round(size / 2.0 + points[i] * scale);
                int y = (int) Math.round(size / 2.0 - points[i + 1] * scale);
                g.fillOval(x - 2, y - 2, 4, 4);
            }
            g.setColor(new Color(220, 30, 30));
            g.setStroke(new BasicStroke(2f));
            for (double[] m : modes) {
                int x = (int) Math.round(size / 2.0 + m[0] * scale);
                int y = (int) Math.round(size / 2.0 - m[1] * scale);
                g.drawOval(x - 6, y - 6, 12, 12);
            }
        } finally {
            g.dispose();
        }
        return img;
    }
}
