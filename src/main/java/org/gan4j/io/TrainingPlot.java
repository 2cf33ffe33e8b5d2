package org.gan4j.io;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * A PNG of a run's training curves, like the loss figure of the PyTorch DCGAN tutorial: two charts over the step,
 * the losses (loss_D, loss_G) on top and the discriminator outputs (D(x), D(G(z))) below, drawn with JFreeChart.
 *
 * <p>Above {@value #MAX_POINTS} rows the curves are down-sampled by averaging consecutive rows into
 * {@value #MAX_POINTS} buckets (each point at its bucket's mean step), which also smooths them. Non-finite values are
 * left out. Rendering needs no display (it draws into a {@link BufferedImage}); on a machine without one run with
 * {@code -Djava.awt.headless=true} if AWT complains. Written atomically.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state.
 */
public final class TrainingPlot {
    /** Most points drawn per curve. */
    public static final int MAX_POINTS = 2000;

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

    /** Writes the two charts, {@code width x height} pixels, to {@code png}. */
    public static void write(Path png, List<Row> rows, int width, int height) throws IOException {
        AtomicFiles.writeImage(png, render(rows, width, height), "png");
    }

    /** The two charts as an image. */
    public static BufferedImage render(List<Row> rows, int width, int height) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows to plot; log at least one step first");
        }
        if (width < 100 || height < 100) {
            throw new IllegalArgumentException("plot size must be at least 100 x 100, got " + width + " x " + height);
        }
        List<Row> points = downsample(rows, MAX_POINTS);
        XYSeries lossD = new XYSeries("loss_D", false, true);
        XYSeries lossG = new XYSeries("loss_G", false, true);
        XYSeries dX = new XYSeries("D(x)", false, true);
        XYSeries dGz = new XYSeries("D(G(z))", false, true);
        for (Row r : points) {
            add(lossD, r.step, r.lossD);
            add(lossG, r.step, r.lossG);
            add(dX, r.step, r.dX);
            add(dGz, r.step, r.dGz);
        }
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("step"));
        plot.setGap(12);
        plot.add(chart("loss", lossD, lossG), 1);
        plot.add(chart("D output", dX, dGz), 1);
        JFreeChart chart = new JFreeChart("Training", JFreeChart.DEFAULT_TITLE_FONT, plot, true);
        chart.setBackgroundPaint(Color.WHITE);
        return chart.createBufferedImage(width, height);
    }

    private static void add(XYSeries s, double x, double y) {
        if (Double.isFinite(y)) {
            s.add(x, y, false);
        }
    }

    private static XYPlot chart(String label, XYSeries a, XYSeries b) {
        XYSeriesCollection data = new XYSeriesCollection();
        data.addSeries(a);
        data.addSeries(b);
        NumberAxis y = new NumberAxis(label);
        y.setAutoRangeIncludesZero(false);
        XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
        renderer.setSeriesPaint(0, new Color(0x1f77b4));
        renderer.setSeriesPaint(1, new Color(0xff7f0e));
        renderer.setSeriesStroke(0, new BasicStroke(1.2f));
        renderer.setSeriesStroke(1, new BasicStroke(1.2f));
        XYPlot p = new XYPlot(data, null, y, renderer);
        p.setBackgroundPaint(Color.WHITE);
        p.setDomainGridlinePaint(Color.LIGHT_GRAY);
        p.setRangeGridlinePaint(Color.LIGHT_GRAY);
        return p;
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
