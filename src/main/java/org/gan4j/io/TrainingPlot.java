package org.gan4j.io;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * A PNG of a run's training curves, like the loss figure of the PyTorch DCGAN tutorial: two panels over the step,
 * the losses (loss_D blue, loss_G orange) on top and the discriminator outputs (D(x) green, D(G(z)) red, dashed)
 * below, each with a legend, grid lines and tick labels.
 *
 * <p>Drawn without AWT text: lines through {@link Graphics2D} shapes, every label with the built-in
 * {@link BitmapFont}, so it renders on a headless server without system fonts (no libfontmanager, libharfbuzz or
 * fontconfig; {@code HeadlessRenderingTest} checks that the native font library stays unloaded).
 *
 * <p>Above {@value #MAX_POINTS} rows the curves are down-sampled by averaging consecutive rows into
 * {@value #MAX_POINTS} buckets (each point at its bucket's mean step), which also smooths them. Non-finite values are
 * left out. With no rows (no metrics read yet, e.g. metrics read less often than the plot is drawn) the panels are
 * drawn empty with a note. Written atomically.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state.
 */
public final class TrainingPlot {
    /** Most points drawn per curve. */
    public static final int MAX_POINTS = 2000;
    /** The series colours (RGB): loss_D, loss_G, D(x), D(G(z)). */
    public static final int[] COLOURS = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728};

    private static final int TEXT = 0x202020;
    private static final int SCALE = 2;
    private static final String[] NAMES = {"loss_D", "loss_G", "D(x)", "D(G(z))"};
    private static final List<ToDoubleFunction<Row>> VALUES = List.of(Row::lossD, Row::lossG, Row::dX, Row::dGz);

    /**
     * One logged step.
     *
     * @param step  optimisation step
     * @param lossD discriminator loss
     * @param lossG generator loss
     * @param dX    mean D(x) on real data
     * @param dGz   mean D(G(z)) on generated data
     */
    public record Row(long step, double lossD, double lossG, double dX, double dGz) {
    }

    private TrainingPlot() {
    }

    /** Writes the two panels, {@code width x height} pixels, to {@code png}. */
    public static void write(Path png, List<Row> rows, int width, int height) throws IOException {
        AtomicFiles.writeImage(png, render(rows, width, height), "png");
    }

    /** The two panels as an image, at least 200 x 200 pixels. */
    public static BufferedImage render(List<Row> rows, int width, int height) {
        if (width < 200 || height < 200) {
            throw new IllegalArgumentException("plot size must be at least 200 x 200, got " + width + " x " + height);
        }
        List<Row> points = downsample(rows, MAX_POINTS);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            int lh = BitmapFont.height(SCALE);
            int left = BitmapFont.width("-0.000", SCALE) + 14;
            int right = width - 16;
            int top = 12;
            int bottom = height - 2 * lh - 12;
            int gap = lh + 8;
            int mid = (top + bottom) / 2;
            double[] steps = stepRange(points);
            panel(g, img, points, "loss", 0, steps, left, top, right, mid - gap / 2);
            panel(g, img, points, "D output", 2, steps, left, mid + gap / 2, right, bottom);
            for (double t : ticks(steps[0], steps[1])) {
                int x = xPixel(t, steps, left, right);
                String s = label(t);
                BitmapFont.draw(img, s, x - BitmapFont.width(s, SCALE) / 2, bottom + 6, SCALE, TEXT);
            }
            BitmapFont.draw(img, "step", (left + right - BitmapFont.width("step", SCALE)) / 2, bottom + lh + 8,
                    SCALE, TEXT);
            if (points.isEmpty()) {
                String note = "no metrics read yet";
                BitmapFont.draw(img, note, (left + right - BitmapFont.width(note, SCALE)) / 2, top + 2 * lh, SCALE,
                        TEXT);
            }
        } finally {
            g.dispose();
        }
        return img;
    }

    /** One panel: frame, grid, the two series {@code first}, {@code first + 1}, their legend and the panel name. */
    private static void panel(Graphics2D g, BufferedImage img, List<Row> points, String name, int first,
            double[] steps, int x0, int y0, int x1, int y1) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (Row r : points) {
            for (int s = first; s < first + 2; s++) {
                double v = VALUES.get(s).applyAsDouble(r);
                if (Double.isFinite(v)) {
                    lo = Math.min(lo, v);
                    hi = Math.max(hi, v);
                }
            }
        }
        if (lo > hi) {
            lo = 0;
            hi = 1;
        } else if (hi - lo < 1e-9 * Math.max(1, Math.abs(hi))) {
            lo -= 0.5;
            hi += 0.5;
        } else {
            double pad = 0.05 * (hi - lo);
            lo -= pad;
            hi += pad;
        }
        double[] range = {lo, hi};
        g.setStroke(new BasicStroke(1f));
        g.setColor(new Color(0xe0e0e0));
        for (double t : ticks(steps[0], steps[1])) {
            int x = xPixel(t, steps, x0, x1);
            g.drawLine(x, y0, x, y1);
        }
        int lh = BitmapFont.height(SCALE);
        for (double t : ticks(lo, hi)) {
            int y = yPixel(t, range, y0, y1);
            g.setColor(new Color(0xe0e0e0));
            g.drawLine(x0, y, x1, y);
            String s = label(t);
            BitmapFont.draw(img, s, x0 - 6 - BitmapFont.width(s, SCALE), y - lh / 2 + 1, SCALE, TEXT);
        }
        g.setColor(new Color(TEXT));
        g.drawRect(x0, y0, x1 - x0, y1 - y0);
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setClip(x0 + 1, y0 + 1, x1 - x0 - 1, y1 - y0 - 1);
        for (int s = first; s < first + 2; s++) {
            Path2D.Double path = new Path2D.Double();
            boolean pen = false;
            for (Row r : points) {
                double v = VALUES.get(s).applyAsDouble(r);
                if (!Double.isFinite(v)) {
                    pen = false;
                    continue;
                }
                double x = x0 + (r.step() - steps[0]) / (steps[1] - steps[0]) * (x1 - x0);
                double y = y1 - (v - lo) / (hi - lo) * (y1 - y0);
                if (pen) {
                    path.lineTo(x, y);
                } else {
                    path.moveTo(x, y);
                    pen = true;
                }
            }
            g.setColor(new Color(COLOURS[s]));
            g.setStroke(stroke(s));
            g.draw(path);
        }
        g.setClip(null);
        g.setStroke(new BasicStroke(1f));
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_OFF);
        BitmapFont.draw(img, name, x0 + 8, y0 + 6, SCALE, TEXT);
        int lx = x1 - 12 - BitmapFont.width("D(G(z))", SCALE) - 28;
        g.setColor(Color.WHITE);
        g.fillRect(lx - 6, y0 + 3, x1 - lx + 2, 2 * (lh + 4) + 4);
        g.setColor(new Color(0xb0b0b0));
        g.drawRect(lx - 6, y0 + 3, x1 - lx + 2, 2 * (lh + 4) + 4);
        for (int s = first; s < first + 2; s++) {
            int ly = y0 + 6 + (s - first) * (lh + 4);
            g.setColor(new Color(COLOURS[s]));
            g.fillRect(lx, ly + lh / 2 - 3, 22, 4);
            BitmapFont.draw(img, NAMES[s], lx + 28, ly, SCALE, TEXT);
        }
    }

    /** Solid lines for the D-side series, dashed for the G-side ones (loss_G, D(G(z))), so colour is not needed. */
    private static BasicStroke stroke(int series) {
        return series % 2 == 0 ? new BasicStroke(1.5f)
                : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 4f, new float[] {6f, 3f}, 0f);
    }

    private static double[] stepRange(List<Row> points) {
        if (points.isEmpty()) {
            return new double[] {0, 1};
        }
        double a = points.get(0).step();
        double b = points.get(points.size() - 1).step();
        return b > a ? new double[] {a, b} : new double[] {a - 0.5, a + 0.5};
    }

    private static int xPixel(double v, double[] range, int x0, int x1) {
        return (int) Math.round(x0 + (v - range[0]) / (range[1] - range[0]) * (x1 - x0));
    }

    private static int yPixel(double v, double[] range, int y0, int y1) {
        return (int) Math.round(y1 - (v - range[0]) / (range[1] - range[0]) * (y1 - y0));
    }

    /** Round tick values in [lo, hi]: multiples of 1, 2 or 5 times a power of ten, about 5 of them. */
    static double[] ticks(double lo, double hi) {
        double raw = (hi - lo) / 5;
        double p = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = raw / p < 1.5 ? p : raw / p < 3.5 ? 2 * p : raw / p < 7.5 ? 5 * p : 10 * p;
        long first = (long) Math.ceil(lo / step - 1e-9);
        long last = (long) Math.floor(hi / step + 1e-9);
        double[] out = new double[(int) Math.max(0, Math.min(50, last - first + 1))];
        for (int i = 0; i < out.length; i++) {
            out[i] = (first + i) * step;
        }
        return out;
    }

    /** A short tick label: integers plainly, else up to 3 significant digits without trailing zeros. */
    static String label(double v) {
        if (Math.abs(v) < 1e-12) {
            return "0";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e7) {
            return Long.toString((long) v);
        }
        String s = new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros()
                .toPlainString();
        return s.length() <= 8 ? s : String.format("%.2e", v);
    }

    /**
     * At most {@code max} rows: {@code rows} itself when it is short enough, else the means of {@code max} buckets of
     * consecutive rows (bucket i holds rows [i n / max, (i + 1) n / max)); non-finite values are left out of means.
     */
    static List<Row> downsample(List<Row> rows, int max) {
        int n = rows.size();
        if (n <= max) {
            return rows;
        }
        Row[] out = new Row[max];
        for (int i = 0; i < max; i++) {
            int from = (int) ((long) i * n / max);
            int to = (int) ((long) (i + 1) * n / max);
            double[] sum = new double[5];
            int[] cnt = new int[5];
            for (int j = from; j < to; j++) {
                Row r = rows.get(j);
                double[] v = {r.step, r.lossD, r.lossG, r.dX, r.dGz};
                for (int k = 0; k < 5; k++) {
                    if (Double.isFinite(v[k])) {
                        sum[k] += v[k];
                        cnt[k]++;
                    }
                }
            }
            double[] m = new double[5];
            for (int k = 0; k < 5; k++) {
                m[k] = cnt[k] == 0 ? Double.NaN : sum[k] / cnt[k];
            }
            out[i] = new Row(Math.round(m[0]), m[1], m[2], m[3], m[4]);
        }
        return List.of(out);
    }
}
