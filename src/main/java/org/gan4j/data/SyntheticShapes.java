package org.gan4j.data;

import java.util.Random;
import org.gan4j.tensor.Shape;

/**
 * A built-in image dataset that needs no files: each image is one filled shape on a black background, so training
 * always has data (and a smoke test has something a generator can visibly learn) when Fashion-MNIST is missing.
 *
 * <p>Label 0 is a disc, 1 an axis-aligned square, 2 a bar (a thin rectangle, horizontal or vertical). Position and
 * size are uniform within ranges that keep the shape inside the image (radius and half-side in
 * [size/8, size/3], bar thickness in [size/10, size/5] and length in [size/2, 0.9 size]); the intensity of each
 * channel is uniform in [96, 255] (so with 3 channels shapes have colours). A pixel belongs to the shape when its
 * centre does. Everything comes from one {@link java.util.Random} seeded with {@code seed}: the same arguments give
 * the same images on every JVM.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state; the datasets they return are immutable.
 */
public final class SyntheticShapes {
    /** Number of shape classes (disc, square, bar). */
    public static final int NUM_CLASSES = 3;
    /** The most bytes of images {@link #generate} makes: 2^30 (1 GiB). */
    public static final long MAX_BYTES = 1L << 30;

    private SyntheticShapes() {
    }

    /**
     * {@code n} images of shape {@code (channels, size, size)}.
     *
     * @param size     image side, >= 8
     * @param channels 1 or 3
     */
    public static ByteImageDataset generate(int n, int size, int channels, long seed) {
        if (n < 1 || size < 8 || size > 4096 || (channels != 1 && channels != 3)) {
            throw new IllegalArgumentException("need n >= 1, 8 <= size <= 4096 and channels 1 or 3; got n " + n
                    + ", size " + size + ", channels " + channels);
        }
        int plane = size * size;
        int sampleSize = channels * plane;
        if ((long) n * sampleSize > MAX_BYTES) {
            throw new IllegalArgumentException(n + " synthetic images of " + channels + " x " + size + " x " + size
                    + " are " + (long) n * sampleSize + " bytes, more than the " + MAX_BYTES + " (1 GiB) generated"
                    + " data may take; ask for at most " + MAX_BYTES / sampleSize + " images");
        }
        byte[][] chunks = ByteImageDataset.allocateChunks(n, sampleSize);
        int perChunk = ByteImageDataset.samplesPerChunk(sampleSize);
        byte[] labels = new byte[n];
        Random rng = new Random(seed);
        int[] colour = new int[channels];
        for (int i = 0; i < n; i++) {
            int kind = rng.nextInt(NUM_CLASSES);
            labels[i] = (byte) kind;
            for (int c = 0; c < channels; c++) {
                colour[c] = 96 + rng.nextInt(160);
            }
            // The shape as an axis-aligned box [x0, x1) x [y0, y1) in pixel coordinates (a disc is its inscribed one).
            double w;
            double h;
            if (kind == 2) {
                double thick = uniform(rng, size / 10.0, size / 5.0);
                double len = uniform(rng, size / 2.0, 0.9 * size);
                boolean horizontal = rng.nextBoolean();
                w = horizontal ? len : thick;
                h = horizontal ? thick : len;
            } else {
                w = 2 * uniform(rng, size / 8.0, size / 3.0);
                h = w;
            }
            double x0 = uniform(rng, 0, size - w);
            double y0 = uniform(rng, 0, size - h);
            byte[] chunk = chunks[i / perChunk];
            int off = (i % perChunk) * sampleSize;
            for (int y = 0; y < size; y++) {
                double py = y + 0.5;
                for (int x = 0; x < size; x++) {
                    double px = x + 0.5;
                    boolean inside;
                    if (kind == 0) {
                        double dx = px - (x0 + w / 2);
                        double dy = py - (y0 + h / 2);
                        inside = dx * dx + dy * dy <= w * w / 4;
                    } else {
                        inside = px >= x0 && px < x0 + w && py >= y0 && py < y0 + h;
                    }
                    if (inside) {
                        for (int c = 0; c < channels; c++) {
                            chunk[off + c * plane + y * size + x] = (byte) colour[c];
                        }
                    }
                }
            }
        }
        return new ByteImageDataset("synthetic shapes (seed " + seed + ")", Shape.of(channels, size, size), n,
                chunks, labels, NUM_CLASSES);
    }

    private static double uniform(Random rng, double lo, double hi) {
        return lo + (hi - lo) * rng.nextDouble();
    }
}
