package org.gan4j.io;

import java.awt.image.BufferedImage;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;
import org.gan4j.tensor.Shape;

/**
 * PNG grids of generated images, as torchvision's
 * {@code save_image(images, path, nrow=nrow, padding=2, normalize=True, value_range=(-1, 1))}.
 *
 * <p>Input: {@code (N, C, H, W)} floats in [-1, 1], C = 1 or 3. Each value is clamped to [-1, 1], mapped to
 * {@code v = (x + 1) / 2} and to the byte {@code floor(255 v + 0.5)} (NaN gives 0). Layout: {@code cols = min(nrow, N)}
 * images per row, {@code rows = ceil(N / cols)}; the grid is {@code rows (H + 2) + 2} pixels high and
 * {@code cols (W + 2) + 2} wide, black (torchvision's pad_value 0), and image {@code k} has its top-left corner at
 * {@code (x, y) = (2 + (k % cols)(W + 2), 2 + (k / cols)(H + 2))}. Unused cells stay black. One channel gives a grey
 * PNG, three an RGB PNG (torchvision repeats a grey channel three times: the same pixel values). Unlike
 * torchvision, a single image is padded too, so every grid has the same layout.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state.
 */
public final class ImageGrid {
    /** Pixels between images and around the grid. */
    public static final int PADDING = 2;

    private ImageGrid() {
    }

    /** Writes the grid of {@code images}, {@code nchw} = (N, C, H, W), to {@code png} atomically. */
    public static void write(Path png, float[] images, Shape nchw, int nrow) throws IOException {
        AtomicFiles.writeImage(png, grid(images, nchw, nrow), "png");
    }

    /** The grid as an image (see the class comment for the layout). */
    public static BufferedImage grid(float[] images, Shape nchw, int nrow) {
        Objects.requireNonNull(images, "images");
        if (nchw.rank() != 4 || (nchw.dim(1) != 1 && nchw.dim(1) != 3)) {
            throw new IllegalArgumentException("images must be (N, C, H, W) with C = 1 or 3, got " + nchw);
        }
        if (images.length != nchw.size()) {
            throw new IllegalArgumentException("shape " + nchw + " needs " + nchw.size() + " floats, got "
                    + images.length);
        }
        if (nrow < 1) {
            throw new IllegalArgumentException("nrow (images per row) must be >= 1, got " + nrow);
        }
        int n = nchw.dim(0);
        int c = nchw.dim(1);
        int h = nchw.dim(2);
        int w = nchw.dim(3);
        int cols = Math.min(nrow, n);
        int rows = (n + cols - 1) / cols;
        long gw = (long) cols * (w + PADDING) + PADDING;
        long gh = (long) rows * (h + PADDING) + PADDING;
        if (gw * gh > Integer.MAX_VALUE / 4) {
            throw new IllegalArgumentException("a grid of " + gw + " x " + gh + " pixels is too large; "
                    + "write fewer or smaller images");
        }
        BufferedImage out = new BufferedImage((int) gw, (int) gh,
                c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        int sample = c * h * w;
        for (int k = 0; k < n; k++) {
            int x0 = PADDING + (k % cols) * (w + PADDING);
            int y0 = PADDING + (k / cols) * (h + PADDING);
            paint(out.getRaster(), images, k * sample, c, h, w, x0, y0);
        }
        return out;
    }

    /** One {@code (C, H, W)} image starting at {@code chw[offset]}, as a grey (C = 1) or RGB (C = 3) image. */
    public static BufferedImage toBufferedImage(float[] chw, int offset, int channels, int height, int width) {
        if ((channels != 1 && channels != 3) || height < 1 || width < 1) {
            throw new IllegalArgumentException("need channels 1 or 3 and height, width >= 1; got " + channels + ", "
                    + height + ", " + width);
        }
        Objects.checkFromIndexSize(offset, channels * height * width, chw.length);
        BufferedImage out = new BufferedImage(width, height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_3BYTE_BGR);
        paint(out.getRaster(), chw, offset, channels, height, width, 0, 0);
        return out;
    }

    private static void paint(WritableRaster r, float[] src, int off, int c, int h, int w, int x0, int y0) {
        int plane = h * w;
        int[] px = new int[c];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                for (int ch = 0; ch < c; ch++) {
                    px[ch] = toByte(src[off + ch * plane + y * w + x]);
                }
                r.setPixel(x0 + x, y0 + y, px);
            }
        }
    }

    /** {@code floor(255 (clamp(x, -1, 1) + 1) / 2 + 0.5)}, computed in float like torchvision; NaN gives 0. */
    static int toByte(float x) {
        if (Float.isNaN(x)) {
            return 0;
        }
        float v = (Math.max(-1f, Math.min(1f, x)) + 1f) / 2f;
        return Math.min(255, (int) (v * 255f + 0.5f));
    }
}
