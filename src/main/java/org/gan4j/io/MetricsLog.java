package org.gan4j.io;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A run's per-step metrics as CSV: a header line with the column names (given at creation; the first is always
 * {@code step}), then one line of numbers per {@link #append}. A typical header is
 * {@code step,epoch,loss_D,loss_G,D_x,D_G_z1,D_G_z2,grad_norm_D,grad_norm_G,images_per_s}.
 *
 * <p>Numbers are written short and lossless: integral values as integers; values that are exactly a float (the
 * trainer's metrics are float32) as the shortest text of that float, so {@code "0.1"} for {@code 0.1f}, which reads
 * back as that float after a cast; other values as the shortest text of the double, which reads back exactly; NaN
 * and infinities as {@code NaN}, {@code Infinity}, {@code -Infinity}. Buffered lines reach the file when a row is
 * appended a second or more after the last flush, and on {@link #flush()} and {@link #close()}.
 *
 * <p>{@link #resume} reopens the log of an interrupted run at its last checkpoint: it keeps the rows with
 * {@code step <= lastStep} (and drops a half-written last line), so the resumed run logs no step twice. Not
 * thread-safe.
 */
public final class MetricsLog implements AutoCloseable {
    private static final long FLUSH_NANOS = 1_000_000_000L;

    private final Path file;
    private final List<String> columns;
    private final Writer out;
    private final StringBuilder line = new StringBuilder();
    private long lastFlush = System.nanoTime();

    /**
     * The rows of a log file.
     *
     * @param columns the header
     * @param rows    one array of {@code columns.size()} values per line
     */
    public record Table(List<String> columns, List<double[]> rows) {
        /** The values of column {@code name}, one per row. */
        public double[] column(String name) {
            int c = columns.indexOf(name);
            if (c < 0) {
                throw new IllegalArgumentException("no column '" + name + "'; columns are " + columns);
            }
            return rows.stream().mapToDouble(r -> r[c]).toArray();
        }
    }

    private MetricsLog(Path file, List<String> columns) throws IOException {
        this.file = file;
        this.columns = columns;
        this.out = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND));
    }

    /** Starts a new log at {@code file} with a header of {@code columns}, replacing any file there. */
    public static MetricsLog create(Path file, List<String> columns) throws IOException {
        List<String> cols = checkColumns(columns);
        AtomicFiles.write(file, o -> o.write((String.join(",", cols) + "\n").getBytes(StandardCharsets.UTF_8)));
        return new MetricsLog(file, cols);
    }

    /**
     * Reopens {@code file} to append, keeping only its rows with {@code step <= lastStep} (rewritten atomically);
     * creates it as {@link #create} does when it does not exist.
     *
     * @throws IOException if the file's header differs from {@code columns}, or a line other than the last is
     *                     malformed (the message names the line)
     */
    public static MetricsLog resume(Path file, List<String> columns, long lastStep) throws IOException {
        List<String> cols = checkColumns(columns);
        if (!Files.exists(file)) {
            return create(file, cols);
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        String header = String.join(",", cols);
        if (lines.isEmpty() || !lines.get(0).equals(header)) {
            throw new IOException(file + ": header '" + (lines.isEmpty() ? "" : lines.get(0)) + "' differs from "
                    + "the columns of this run '" + header + "'; resume with the same columns or start a new log");
        }
        StringBuilder kept = new StringBuilder(header).append('\n');
        for (int i = 1; i < lines.size(); i++) {
            double[] row = parse(lines.get(i), cols.size());
            if (row == null) {
                if (i == lines.size() - 1) {
                    break; // a line cut short by a crash
                }
                throw new IOException(file + ": line " + (i + 1) + " is not " + cols.size()
                        + " comma-separated numbers: '" + lines.get(i) + "'");
            }
            if (row[0] <= lastStep) {
                kept.append(lines.get(i)).append('\n');
            }
        }
        byte[] bytes = kept.toString().getBytes(StandardCharsets.UTF_8);
        AtomicFiles.writeBytes(file, bytes);
        return new MetricsLog(file, cols);
    }

    /** Reads a log written by this class. */
    public static Table read(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty()) {
            throw new IOException(file + ": empty; a metrics log starts with a header line");
        }
        List<String> cols = List.of(lines.get(0).split(",", -1));
        List<double[]> rows = new ArrayList<>();
        for (int i = 1; i < lines.size(); i++) {
            double[] row = parse(lines.get(i), cols.size());
            if (row == null) {
                if (i == lines.size() - 1) {
                    break;
                }
                throw new IOException(file + ": line " + (i + 1) + " is not " + cols.size()
                        + " comma-separated numbers: '" + lines.get(i) + "'");
            }
            rows.add(row);
        }
        return new Table(cols, rows);
    }

    private static double[] parse(String line, int n) {
        String[] f = line.split(",", -1);
        if (f.length != n) {
            return null;
        }
        double[] v = new double[n];
        try {
            for (int i = 0; i < n; i++) {
                v[i] = Double.parseDouble(f[i]);
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return v;
    }

    private static List<String> checkColumns(List<String> columns) {
        List<String> cols = List.copyOf(columns);
        if (cols.isEmpty() || !cols.get(0).equals("step")) {
            throw new IllegalArgumentException("the first column must be 'step', got " + cols);
        }
        for (String c : cols) {
            if (c.isEmpty() || c.chars().anyMatch(ch -> ch == ',' || ch == '"' || ch == '\n' || ch == '\r')) {
                throw new IllegalArgumentException("column name '" + c + "' must be non-empty without commas, "
                        + "quotes or line breaks");
            }
        }
        if (cols.stream().distinct().count() != cols.size()) {
            throw new IllegalArgumentException("column names must be unique, got " + cols);
        }
        return cols;
    }

    /** The header. */
    public List<String> columns() {
        return columns;
    }

    /** The file written to. */
    public Path file() {
        return file;
    }

    /** Appends one row: one value per column, in header order. */
    public void append(double... values) throws IOException {
        if (values.length != columns.size()) {
            throw new IllegalArgumentException("a row needs " + columns.size() + " values " + columns + ", got "
                    + values.length + ": " + Arrays.toString(values));
        }
        line.setLength(0);
        for (int i = 0; i < values.length; i++) {
            if (i > 0) {
                line.append(',');
            }
            line.append(format(values[i]));
        }
        line.append('\n');
        out.append(line);
        long now = System.nanoTime();
        if (now - lastFlush >= FLUSH_NANOS) {
            flush();
        }
    }

    /** Shortest text of {@code v}: of the float when {@code v} is exactly one, else of the double. */
    static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        if (Double.isFinite(v) && (double) (float) v == v) {
            return Float.toString((float) v);
        }
        return Double.toString(v);
    }

    /** Writes buffered lines to the file. */
    public void flush() throws IOException {
        out.flush();
        lastFlush = System.nanoTime();
    }

    /** Flushes and closes the file. */
    @Override
    public void close() throws IOException {
        out.close();
    }
}
