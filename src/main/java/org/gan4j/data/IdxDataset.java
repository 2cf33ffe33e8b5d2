package org.gan4j.data;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import org.gan4j.tensor.Shape;

/**
 * Loads the IDX files of MNIST, Fashion-MNIST, KMNIST and EMNIST (as {@code torchvision.datasets.FashionMNIST} reads
 * them) into a {@link ByteImageDataset} of {@code (1, rows, cols)} images, with labels when a label file is given.
 *
 * <p>Format (big-endian): magic {@code 00 00 TT RR} where {@code TT} is the element type (only {@code 08}, unsigned
 * byte, is accepted) and {@code RR} the rank (3 for images: {@code 0x00000803}; 1 for labels: {@code 0x00000801}),
 * then {@code RR} dimensions as int32, then the elements. Files may be gzip-compressed; that is detected by the gzip
 * magic bytes {@code 1f 8b}, not by the name.
 *
 * <p>Everything is validated before the pixel storage is allocated: magic, element type, rank, dimensions > 0, that
 * the element count fits, and that exactly that many bytes follow (raw files: from the file size; gzipped files: the
 * stream is read into chunks that grow from 1 MiB as data arrives, so memory is bounded by the bytes really present,
 * and an early end is an error), and at most {@link #MAX_DATA_BYTES} in all.
 * Trailing bytes, a label count different from the image count, and every I/O error are a {@link DatasetException}
 * naming the file. EMNIST images are stored transposed; they are returned as stored.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state; the datasets they return are immutable.
 */
public final class IdxDataset {
    /** Where the project's machines keep Fashion-MNIST. */
    public static final Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    private static final int BLOCK = 1 << 20;
    /** The most data bytes one IDX file may hold: 2^31 (EMNIST ByClass, the largest of the family, has 547 MB). */
    static final long MAX_DATA_BYTES = 1L << 31;
    private static final String FASHION_FIX = "download train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, "
            + "t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from "
            + "https://github.com/zalandoresearch/fashion-mnist into that folder";

    private IdxDataset() {
    }

    /**
     * Loads images (and labels, unless {@code labelsOrNull} is null) from IDX files, raw or gzipped.
     *
     * @return a dataset of {@code (1, rows, cols)} images; {@code numClasses} is the largest label + 1
     * @throws DatasetException if a file is missing, unreadable or malformed, or the counts differ
     */
    public static ByteImageDataset load(Path images, Path labelsOrNull) {
        return load(images, labelsOrNull, "IDX " + images.getFileName());
    }

    private static ByteImageDataset load(Path images, Path labelsOrNull, String name) {
        Idx img = read(images, IMAGES_MAGIC);
        int count = img.dims[0];
        Shape sample = Shape.of(1, img.dims[1], img.dims[2]);
        byte[] labels = null;
        int numClasses = 0;
        if (labelsOrNull != null) {
            Idx lab = read(labelsOrNull, LABELS_MAGIC);
            if (lab.dims[0] != count) {
                throw new DatasetException(labelsOrNull + ": has " + lab.dims[0] + " labels but " + images
                        + " has " + count + " images; use the label file that belongs to these images");
            }
            labels = lab.chunks[0];
            numClasses = classes(labels);
        }
        return new ByteImageDataset(name, sample, count, img.chunks, labels, numClasses);
    }

    /**
     * Fashion-MNIST's training (60000) or test (10000) split from {@code dir}, which holds the files as published
     * ({@code train-images-idx3-ubyte.gz} etc.; see {@link #fromDirectory}). The usual folder is
     * {@link #FASHION_MNIST_DIR}.
     */
    public static ByteImageDataset fashionMnist(Path dir, boolean train) {
        return fromDirectory(dir, train, "Fashion-MNIST " + (train ? "train" : "test"));
    }

    /**
     * The training or test split of any MNIST-like dataset in {@code dir}: images
     * {@code train-images-idx3-ubyte} (or {@code t10k-...} for the test split; also {@code train-images.idx3-ubyte}),
     * each optionally with {@code .gz}; labels likewise ({@code -labels-idx1-ubyte}), loaded when present.
     */
    public static ByteImageDataset fromDirectory(Path dir, boolean train) {
        return fromDirectory(dir, train, dir.getFileName() + " " + (train ? "train" : "test"));
    }

    private static ByteImageDataset fromDirectory(Path dir, boolean train, String name) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir + ": folder does not exist; " + FASHION_FIX
                    + " (or pass the folder that holds your IDX files)");
        }
        String prefix = train ? "train" : "t10k";
        Path images = find(dir, prefix, "images", "idx3");
        if (images == null) {
            throw new DatasetException(dir + ": no " + prefix + "-images-idx3-ubyte(.gz) in this folder; "
                    + FASHION_FIX);
        }
        return load(images, find(dir, prefix, "labels", "idx1"), name);
    }

    /**
     * The number of classes in the training labels of the MNIST-like folder {@code dir} (the largest label + 1),
     * reading only {@code train-labels-idx1-ubyte[.gz]}.
     *
     * @throws DatasetException when the folder or its label file is missing or malformed
     */
    public static int trainingLabelClasses(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DatasetException(dir + ": folder does not exist; " + FASHION_FIX
                    + " (or pass the folder that holds your IDX files)");
        }
        Path labels = find(dir, "train", "labels", "idx1");
        if (labels == null) {
            throw new DatasetException(dir + ": no train-labels-idx1-ubyte(.gz) beside the images; a"
                    + " class-conditional model needs the label file (" + FASHION_FIX + ")");
        }
        return classes(read(labels, LABELS_MAGIC).chunks[0]);
    }

    private static int classes(byte[] labels) {
        int numClasses = 0;
        for (byte b : labels) {
            numClasses = Math.max(numClasses, (b & 0xFF) + 1);
        }
        return numClasses;
    }

    private static Path find(Path dir, String prefix, String what, String idx) {
        for (String sep : new String[] {"-", "."}) {
            for (String ext : new String[] {"", ".gz"}) {
                Path p = dir.resolve(prefix + "-" + what + sep + idx + "-ubyte" + ext);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    /** An IDX array: its dimensions and its bytes in {@link ByteImageDataset} chunks of dims[0] samples. */
    private record Idx(int[] dims, byte[][] chunks) {
    }

    private static Idx read(Path file, int magic) {
        int rank = magic & 0xFF;
        String kind = rank == 3 ? "images" : "labels";
        if (Files.exists(file) && !Files.isRegularFile(file)) {
            // Opening a named pipe blocks until someone writes to it; a folder fails only on the first read.
            throw new DatasetException(file + ": not a regular file (a folder, pipe or device); pass the IDX file"
                    + " itself");
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            boolean gzip = raw.read() == 0x1f && raw.read() == 0x8b;
            raw.reset();
            // No BufferedInputStream over the gzip stream: when the stream is cut short, its read() throws
            // EOFException and drops the bytes it had already copied, so the count in the message was wrong.
            InputStream in = gzip ? new GZIPInputStream(raw, 1 << 16) : raw;
            String where = file + (gzip ? " (gzip)" : "");

            byte[] header = new byte[4 + 4 * rank];
            int got = readFully(in, header, 0, 4);
            if (got < 4) {
                throw new DatasetException(where + ": too short for an IDX file: " + got + " bytes; expected "
                        + kind + " (magic 0x" + String.format("%08X", magic) + ")");
            }
            int fileMagic = (header[0] & 0xFF) << 24 | (header[1] & 0xFF) << 16 | (header[2] & 0xFF) << 8
                    | header[3] & 0xFF;
            if (header[0] != 0 || header[1] != 0) {
                throw new DatasetException(where + ": not an IDX file: magic 0x" + String.format("%08X", fileMagic)
                        + ", expected 0x" + String.format("%08X", magic) + " (" + kind + ")");
            }
            if (header[2] != 0x08) {
                throw new DatasetException(where + ": element type 0x" + String.format("%02X", header[2])
                        + " is not supported; only unsigned bytes (0x08) are");
            }
            if (header[3] != rank) {
                throw new DatasetException(where + ": rank " + header[3] + " (magic 0x"
                        + String.format("%08X", fileMagic) + "), expected rank " + rank + " for " + kind
                        + " (0x" + String.format("%08X", magic) + "); are images and labels swapped?");
            }
            got = readFully(in, header, 4, 4 * rank);
            if (got < 4 * rank) {
                throw new DatasetException(where + ": truncated header: expected " + 4 * rank
                        + " bytes of dimensions, found " + got);
            }
            int[] dims = new int[rank];
            for (int d = 0; d < rank; d++) {
                int o = 4 + 4 * d;
                dims[d] = (header[o] & 0xFF) << 24 | (header[o + 1] & 0xFF) << 16 | (header[o + 2] & 0xFF) << 8
                        | header[o + 3] & 0xFF;
                if (dims[d] <= 0) {
                    throw new DatasetException(where + ": dimension " + d + " is " + Integer.toUnsignedString(dims[d])
                            + "; every dimension must be between 1 and 2^31-1");
                }
            }
            long sampleBytes = 1;
            for (int d = 1; d < rank; d++) {
                sampleBytes *= dims[d]; // at most (2^31)^2 = 2^62 for rank <= 3: cannot overflow
            }
            if (sampleBytes > ByteImageDataset.MAX_CHUNK_BYTES) {
                throw new DatasetException(where + ": one sample of " + sampleBytes + " bytes (dimensions "
                        + Arrays.toString(dims) + ") is too large; at most 2^30 bytes per sample");
            }
            long total = dims[0] * sampleBytes; // at most 2^31 * 2^30 < 2^63
            if (rank == 1 && total > ByteImageDataset.MAX_CHUNK_BYTES) {
                throw new DatasetException(where + ": " + total + " labels is more than the 2^30 supported");
            }
            if (total > MAX_DATA_BYTES) {
                throw new DatasetException(where + ": header " + Arrays.toString(dims) + " describes " + total
                        + " bytes of data, more than the 2^31 (2 GiB) gan4j loads from one IDX file");
            }
            long headerBytes = header.length;
            if (!gzip) {
                long found = Files.size(file) - headerBytes;
                if (found < total) {
                    throw new DatasetException(where + ": truncated: header " + Arrays.toString(dims)
                            + " needs " + total + " bytes of data, found " + found
                            + "; download the file again");
                }
                if (found > total) {
                    throw new DatasetException(where + ": " + (found - total) + " trailing bytes after the "
                            + total + " bytes of data that header " + Arrays.toString(dims)
                            + " describes; the file is corrupt or not an IDX file");
                }
                byte[][] chunks = ByteImageDataset.allocateChunks(dims[0], (int) sampleBytes);
                for (byte[] c : chunks) {
                    if (readFully(in, c, 0, c.length) < c.length) {
                        throw new DatasetException(where + ": file shrank while it was read");
                    }
                }
                return new Idx(dims, chunks);
            }
            // gzip: the uncompressed size is unknown up front. Each chunk starts at 1 MiB and doubles while data
            // keeps arriving, so memory follows the bytes really present (a 4 MB file cannot cost gigabytes unless
            // it holds them) and the data is held once, not in blocks and then again in chunks.
            int per = ByteImageDataset.samplesPerChunk((int) sampleBytes);
            byte[][] chunks = new byte[(dims[0] - 1) / per + 1][];
            long found = 0;
            for (int c = 0; c < chunks.length; c++) {
                int want = (int) (Math.min(per, dims[0] - (long) c * per) * sampleBytes);
                byte[] chunk = new byte[Math.min(want, BLOCK)];
                int filled = readFully(in, chunk, 0, chunk.length);
                while (filled == chunk.length && filled < want) {
                    chunk = Arrays.copyOf(chunk, (int) Math.min(want, 2L * chunk.length));
                    filled += readFully(in, chunk, filled, chunk.length - filled);
                }
                found += filled;
                if (filled < want) {
                    throw new DatasetException(where + ": truncated: header " + Arrays.toString(dims)
                            + " needs " + total + " bytes of data, found " + found + "; download the file again");
                }
                chunks[c] = chunk;
            }
            if (in.read() != -1) {
                throw new DatasetException(where + ": trailing bytes after the " + total
                        + " bytes of data that header " + Arrays.toString(dims)
                        + " describes; the file is corrupt or not an IDX file");
            }
            return new Idx(dims, chunks);
        } catch (NoSuchFileException e) {
            throw new DatasetException(file + ": file not found; " + FASHION_FIX.replace("that folder",
                    "its folder") + ", or pass the right path", e);
        } catch (IOException e) {
            throw new DatasetException(file + ": cannot read " + kind + ": " + e, e);
        }
    }

    /**
     * Reads until {@code len} bytes or the end of the stream; returns how many were read. A gzip stream cut short
     * throws EOFException ("Unexpected end of ZLIB input stream"): that is an end of the data too.
     */
    private static int readFully(InputStream in, byte[] b, int off, int len) throws IOException {
        int done = 0;
        try {
            while (done < len) {
                int n = in.read(b, off + done, len - done);
                if (n < 0) {
                    break;
                }
                done += n;
            }
        } catch (EOFException e) {
            return done;
        }
        return done;
    }
}
