package org.gan4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.ComponentColorModel;
import java.awt.image.Raster;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;
import org.gan4j.tensor.Shape;

/**
 * Loads every PNG and JPEG under a folder (CelebA, LSUN exports, your own pictures) into a {@link ByteImageDataset}
 * of {@code (channels, size, size)} images, like torchvision's {@code ImageFolder} with
 * {@code Resize(size), CenterCrop(size)} (and {@code Grayscale()} for one channel).
 *
 * <p><b>Labels.</b> When every image lies in a sub-folder of {@code dir} ({@code dir/<class>/...}, as torchvision's
 * {@code ImageFolder} expects), the sub-folder names are the classes: sorted by name, class {@code k} is the
 * {@code k}-th ({@link ByteImageDataset#classNames()} keeps the mapping), and each image is labelled with its
 * sub-folder's class. Sub-folders without images are not classes. When some image lies directly in {@code dir}, the
 * dataset has no labels ({@link #classNames} says why).
 *
 * <p>Files are found recursively by extension ({@code .png}, {@code .jpg}, {@code .jpeg}, any case; other files are
 * ignored) and sorted by path, so sample {@code i} is the same file on every run. Each image is resized so its
 * shorter side is {@code size} (bilinear, halving the size step by step while it is more than twice the target, so
 * large downscales average all pixels instead of aliasing), then centre-cropped to {@code size x size}. One channel is
 * the luminance {@code L = 0.299 R + 0.587 G + 0.114 B} rounded (PIL's {@code convert("L")}); three channels are RGB.
 * Grey source images are read from their raster directly, so a grey value v stays v (no gamma conversion). Alpha is
 * dropped (composited on black).
 *
 * <p>Decoding runs on a pool of {@code availableProcessors} threads. Memory: {@code files x channels x size^2}
 * bytes (CelebA at 64x64x3 is 2.5 GB, so give the JVM {@code -Xmx4g}). An empty folder, an unreadable, corrupt or
 * non-image file is a {@link DatasetException} naming the file, and so is an image larger than 8192 x 8192 pixels or
 * whose header promises more pixels than its file size can hold (checked before decoding, see {@link #checkPixels}).
 */
public final class ImageFolderDataset {
    /** Largest image decoded: 8192 x 8192 pixels (its RGB raster alone is 256 MB). */
    static final long MAX_PIXELS = 1L << 26;
    /**
     * Most pixels a file may promise per byte of its size. The densest legal encodings stay far below: deflate (PNG)
     * expands at most 1032:1, so a 1-bit PNG holds at most 8256 pixels per byte; a JPEG needs at least 2 bits per
     * 8x8 block (256 pixels per byte).
     */
    static final long MAX_PIXELS_PER_BYTE = 16384;
    /** Deflate's largest expansion: 1032 output bytes per input byte. */
    static final long DEFLATE_MAX_RATIO = 1032;
    /** A baseline JPEG spends at least 2 bits per 8x8 block of 64 pixels: 256 pixels per byte at most. */
    static final long JPEG_MAX_PIXELS_PER_BYTE = 256;

    private ImageFolderDataset() {
    }

    /**
     * Loads the images under {@code dir}.
     *
     * @param size     side of the square output images, >= 1
     * @param channels 1 (luminance) or 3 (RGB)
     */
    public static ByteImageDataset load(Path dir, int size, int channels) {
        if (size < 1 || size > 8192) {
            throw new IllegalArgumentException("image size must be in [1, 8192], got " + size);
        }
        if (channels != 1 && channels != 3) {
            throw new IllegalArgumentException("channels must be 1 (grey) or 3 (RGB), got " + channels);
        }
        List<Path> files = listImages(dir);
        int sampleSize = channels * size * size;
        byte[][] chunks = ByteImageDataset.allocateChunks(files.size(), sampleSize);
        int perChunk = ByteImageDataset.samplesPerChunk(sampleSize);
        int threads = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), files.size()));
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "gan4j-image-decode");
            t.setDaemon(true);
            return t;
        });
        try {
            // One task per thread, each over an interleaved share of the files: few tasks, balanced work.
            Future<?>[] tasks = new Future<?>[threads];
            for (int t = 0; t < threads; t++) {
                int first = t;
                tasks[t] = pool.submit(() -> {
                    for (int i = first; i < files.size(); i += threads) {
                        byte[] chunk = chunks[i / perChunk];
                        decodeInto(files.get(i), size, channels, chunk, (i % perChunk) * sampleSize);
                    }
                    return null;
                });
            }
            for (Future<?> f : tasks) {
                f.get();
            }
        } catch (ExecutionException e) {
            if (e.getCause() instanceof DatasetException d) {
                throw new DatasetException(d.getMessage(), d);
            }
            throw new DatasetException(dir + ": loading images failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatasetException(dir + ": interrupted while loading images", e);
        } finally {
            pool.shutdownNow();
        }
        List<String> classes = classesOf(dir, files);
        byte[] labels = null;
        if (classes != null) {
            labels = new byte[files.size()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = (byte) Collections.binarySearch(classes, classOf(dir, files.get(i)));
            }
        }
        return new ByteImageDataset("images in " + dir, Shape.of(channels, size, size), files.size(), chunks, labels,
                classes == null ? 0 : classes.size(), classes);
    }

    /**
     * The classes of the image folder {@code dir}: the names of its sub-folders that hold images (at any depth),
     * sorted; class {@code k} is the {@code k}-th. Lists files only, decodes nothing.
     *
     * @throws DatasetException when there are no images, some image lies directly in {@code dir} (it has no class),
     *                          or there are more than 256 classes
     */
    public static List<String> classNames(Path dir) {
        List<Path> files = listImages(dir);
        List<String> classes = classesOf(dir, files);
        if (classes == null) {
            Path loose = files.stream().filter(f -> classOf(dir, f) == null).findFirst().orElseThrow();
            throw new DatasetException(dir + ": " + loose.getFileName() + " lies directly in the folder, so it has"
                    + " no class; for class labels put each class's images in its own sub-folder (dir/<class>/...)");
        }
        return classes;
    }

    /** The sorted sub-folder classes of {@code files}, or null when one lies directly in {@code dir}. */
    private static List<String> classesOf(Path dir, List<Path> files) {
        java.util.TreeSet<String> names = new java.util.TreeSet<>();
        for (Path f : files) {
            String c = classOf(dir, f);
            if (c == null) {
                return null;
            }
            names.add(c);
        }
        if (names.size() > 256) {
            throw new DatasetException(dir + ": " + names.size() + " class sub-folders; at most 256 classes are"
                    + " supported");
        }
        return List.copyOf(names);
    }

    /** The name of the sub-folder of {@code dir} that holds {@code file}, or null when it lies in {@code dir}. */
    private static String classOf(Path dir, Path file) {
        Path rel = dir.relativize(file);
        return rel.getNameCount() < 2 ? null : rel.getName(0).toString();
    }

    /** The PNG/JPEG files under {@code dir}, recursively, sorted by path. */
    static List<Path> listImages(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir + ": not a folder; pass the folder that holds your PNG/JPEG images");
        }
        List<Path> files;
        try (Stream<Path> walk = Files.walk(dir)) {
            files = walk.filter(Files::isRegularFile).filter(ImageFolderDataset::isImageName).sorted()
                    .collect(Collectors.toList());
        } catch (IOException | java.io.UncheckedIOException e) {
            throw new DatasetException(dir + ": cannot list the folder: " + e, e);
        }
        if (files.isEmpty()) {
            throw new DatasetException(dir + ": no .png, .jpg or .jpeg files in this folder or below it");
        }
        return files;
    }

    private static boolean isImageName(Path p) {
        String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return n.endsWith(".png") || n.endsWith(".jpg") || n.endsWith(".jpeg");
    }

    /** Decodes, resizes, crops and converts one file into {@code dst[off .. off + channels*size*size)} (CHW). */
    static void decodeInto(Path file, int size, int channels, byte[] dst, int off) {
        BufferedImage src;
        // Opened through the Path, not a java.io.File: a name that is not valid in the platform encoding (bytes that
        // are not UTF-8) survives as a Path but not as a File, which then named no file ("not a PNG or JPEG").
        try (InputStream raw = Files.newInputStream(file);
                ImageInputStream in = new MemoryCacheImageInputStream(new BufferedInputStream(raw, 1 << 16))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new DatasetException(file + ": not a PNG or JPEG image (no decoder recognises its content) "
                        + "although its name says so; delete or rename the file");
            }
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            try {
                reader.setInput(in, true, true);
                reader.addIIOReadWarningListener((r, warning) -> warnings.add(warning));
                checkPixels(file, reader.getFormatName(), reader.getWidth(0), reader.getHeight(0));
                src = reader.read(0);
            } finally {
                reader.dispose();
            }
            // A truncated or damaged JPEG decodes "successfully" with grey in place of what is missing, and a warning.
            if (!warnings.isEmpty()) {
                throw new DatasetException(file + ": the image is truncated or corrupt (" + warnings.get(0)
                        + "); delete or replace the file");
            }
        } catch (DatasetException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // ImageIO throws IIOException for corrupt data, and sometimes runtime exceptions from inside a decoder.
            throw new DatasetException(file + ": cannot decode the image (" + e + "); delete or replace the file", e);
        }
        BufferedImage rgb = toRgb(src);
        int w = rgb.getWidth();
        int h = rgb.getHeight();
        // Shorter side -> size; the longer side rounds to the nearest pixel (torchvision's Resize truncates).
        int tw = w <= h ? size : Math.max(size, (int) Math.round((double) w * size / h));
        int th = w <= h ? Math.max(size, (int) Math.round((double) h * size / w)) : size;
        BufferedImage scaled = resize(rgb, tw, th);
        int x0 = (tw - size) / 2;
        int y0 = (th - size) / 2;
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int p = scaled.getRGB(x0 + x, y0 + y);
                int r = p >> 16 & 0xFF;
                int g = p >> 8 & 0xFF;
                int b = p & 0xFF;
                int i = off + y * size + x;
                if (channels == 1) {
                    dst[i] = (byte) Math.round(0.299 * r + 0.587 * g + 0.114 * b);
                } else {
                    dst[i] = (byte) r;
                    dst[i + plane] = (byte) g;
                    dst[i + 2 * plane] = (byte) b;
                }
            }
        }
    }

    /**
     * Rejects, before the decoder allocates its raster, an image whose header promises more pixels than
     * {@link #MAX_PIXELS} or than its file can hold: a 60-byte PNG that claims 30000 x 30000 pixels, or a truncated
     * JPEG that claims 8192 x 8192, would otherwise cost gigabytes per decoding thread before failing. A PNG's pixel
     * data (a filter byte per row, then the packed samples: its IHDR gives bit depth and colour type) is deflated,
     * which expands at most {@link #DEFLATE_MAX_RATIO}:1; a JPEG spends at least 2 bits per 8x8 block, so holds at
     * most {@link #JPEG_MAX_PIXELS_PER_BYTE} pixels per byte. Other formats keep {@link #MAX_PIXELS_PER_BYTE}.
     */
    private static void checkPixels(Path file, String format, int w, int h) throws IOException {
        long pixels = (long) w * h;
        if (pixels > MAX_PIXELS) {
            throw new DatasetException(file + ": " + w + " x " + h + " pixels is more than the " + MAX_PIXELS
                    + " (8192 x 8192) gan4j decodes; shrink the image or delete the file");
        }
        long bytes = Files.size(file);
        String f = format.toLowerCase(Locale.ROOT);
        boolean fits;
        String rule;
        if (f.equals("png")) {
            int bitsPerPixel = pngBitsPerPixel(file);
            long raw = h * (1 + ((long) w * bitsPerPixel + 7) / 8); // < 2^26 * 65 bits: no overflow
            fits = raw <= DEFLATE_MAX_RATIO * bytes;
            rule = raw + " bytes of " + bitsPerPixel + "-bit rows, and deflate expands at most "
                    + DEFLATE_MAX_RATIO + ":1";
        } else if (f.equals("jpeg") || f.equals("jpg")) {
            fits = pixels <= JPEG_MAX_PIXELS_PER_BYTE * bytes;
            rule = "a JPEG holds at most " + JPEG_MAX_PIXELS_PER_BYTE + " pixels per byte";
        } else {
            fits = pixels <= MAX_PIXELS_PER_BYTE * bytes;
            rule = "at most " + MAX_PIXELS_PER_BYTE + " pixels per byte";
        }
        if (!fits) {
            throw new DatasetException(file + ": " + w + " x " + h + " pixels cannot fit in its " + bytes + " bytes ("
                    + rule + "); the file is truncated or corrupt: delete or replace it");
        }
    }

    /** Bits per pixel from a PNG's IHDR (bit depth x samples of its colour type); 1 when the header is unreadable. */
    private static int pngBitsPerPixel(Path file) throws IOException {
        byte[] head = new byte[26];
        try (InputStream in = Files.newInputStream(file)) {
            if (in.readNBytes(head, 0, head.length) < head.length) {
                return 1;
            }
        }
        int depth = head[24] & 0xFF;
        int samples = switch (head[25]) {
            case 2 -> 3;
            case 4 -> 2;
            case 6 -> 4;
            default -> 1; // grey, palette
        };
        return Math.max(1, depth * samples);
    }

    /** The image as TYPE_INT_RGB; 8- and 16-bit grey rasters are copied as values, not colour-converted. */
    private static BufferedImage toRgb(BufferedImage src) {
        int w = src.getWidth();
        int h = src.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Raster raster = src.getRaster();
        int bands = raster.getNumBands();
        if (src.getColorModel() instanceof ComponentColorModel && (bands == 1 || bands == 2)) {
            int bits = src.getColorModel().getComponentSize(0);
            int shift = Math.max(0, bits - 8);
            int[] row = new int[w];
            for (int y = 0; y < h; y++) {
                raster.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = row[x] >> shift;
                    row[x] = v << 16 | v << 8 | v;
                }
                out.setRGB(0, y, w, 1, row, 0, w);
            }
            return out;
        }
        Graphics2D g = out.createGraphics();
        try {
            g.drawImage(src, 0, 0, null);
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Bilinear resize to (tw, th), halving first while the image is more than twice the target in a direction. */
    static BufferedImage resize(BufferedImage img, int tw, int th) {
        BufferedImage cur = img;
        while (cur.getWidth() >= 2 * tw || cur.getHeight() >= 2 * th) {
            int nw = cur.getWidth() >= 2 * tw ? cur.getWidth() / 2 : cur.getWidth();
            int nh = cur.getHeight() >= 2 * th ? cur.getHeight() / 2 : cur.getHeight();
            cur = draw(cur, nw, nh);
        }
        return cur.getWidth() == tw && cur.getHeight() == th ? cur : draw(cur, tw, th);
    }

    private static BufferedImage draw(BufferedImage src, int w, int h) {
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return out;
    }
}
