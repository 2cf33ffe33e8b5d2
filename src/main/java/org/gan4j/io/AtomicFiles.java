package org.gan4j.io;

import java.awt.image.RenderedImage;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;

/**
 * The one place where gan4j writes files: the content goes to a temporary file in the target's folder, is forced to
 * disk ({@code fsync}), and is then renamed over the target with {@code ATOMIC_MOVE} (falling back to
 * {@code REPLACE_EXISTING} where the file system cannot move atomically). Readers see either the old file or the whole
 * new one; on any failure the temporary file is deleted and the target is untouched.
 *
 * <p><b>Threads.</b> Thread-safe: static methods without shared state; each call uses its own temporary file.
 */
public final class AtomicFiles {
    /** Names of the temporary files {@link #write} creates: {@code .<target name>.<random digits>.tmp}. */
    private static final Pattern TEMP_NAME = Pattern.compile("\\..+\\.\\d+\\.tmp");

    private AtomicFiles() {
    }

    /** Writes the content of a file to a stream. */
    @FunctionalInterface
    public interface Content {
        /** Writes everything to {@code out}; do not close it. */
        void writeTo(OutputStream out) throws IOException;
    }

    /**
     * Writes {@code target} atomically, creating its parent folders if needed.
     *
     * @throws IOException if the target is a folder, or writing, syncing or renaming fails (the target is then
     *                     unchanged and no temporary file remains)
     */
    public static void write(Path target, Content content) throws IOException {
        Path abs = target.toAbsolutePath();
        if (Files.isDirectory(abs)) {
            throw new IOException(abs + ": is a folder, cannot write a file there; choose a file name");
        }
        Path dir = abs.getParent();
        // Not Files.createTempFile: it makes the file owner-only (0600); a new file here gets the usual permissions
        // (0666 less the umask), as the target would if written directly.
        Path tmp = dir.resolve("." + abs.getFileName() + "."
                + Long.toUnsignedString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
        FileChannel ch;
        try {
            Files.createDirectories(dir);
            ch = FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        } catch (FileSystemException e) {
            throw cannotWrite(abs, tmp, e);
        }
        boolean done = false;
        try {
            try (ch) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(ch), 1 << 16);
                content.writeTo(out);
                out.flush();
                ch.force(true);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncFolder(dir);
        } finally {
            if (!done) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    /**
     * Why {@code target} cannot be written, naming the target and the folder at fault, never the temporary file
     * (a user who asked for {@code /proc/x} should not read about {@code /proc/.x.123.tmp}).
     */
    private static IOException cannotWrite(Path target, Path tmp, FileSystemException e) {
        String why;
        if (e.getFile() == null || e.getFile().equals(tmp.toString())) {
            why = "its folder " + target.getParent() + " does not allow creating files";
        } else if (e instanceof AccessDeniedException) {
            why = e.getFile() + " does not allow writing";
        } else if (e instanceof FileAlreadyExistsException || e instanceof NotDirectoryException) {
            why = e.getFile() + " is a file, not a folder";
        } else {
            why = e.getFile() + ": " + (e.getReason() != null ? e.getReason() : e.getClass().getSimpleName());
        }
        return new IOException("cannot write " + target + ": " + why + "; choose another path", e);
    }

    /** Writes {@code bytes} to {@code target} atomically. */
    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    /** Writes {@code image} as {@code format} ("png", "jpg") to {@code target} atomically. */
    public static void writeImage(Path target, RenderedImage image, String format) throws IOException {
        write(target, out -> {
            if (!ImageIO.write(image, format, out)) {
                throw new IOException(target + ": no ImageIO writer for format '" + format + "'");
            }
        });
    }

    /**
     * Deletes the temporary files that writes into {@code dir} left when their process was killed before the rename
     * ({@code .<name>.<digits>.tmp}; a write that fails in a living process deletes its own). Call it before writing
     * into a folder that an interrupted run used. Does nothing when {@code dir} does not exist.
     */
    public static void deleteTemporaryFiles(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, ".*.tmp")) {
            for (Path p : ds) {
                if (TEMP_NAME.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    /** Makes the rename durable where the platform allows syncing a folder (Linux does); elsewhere a no-op. */
    private static void syncFolder(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Not supported on this platform (Windows): the file itself is already synced.
        }
    }
}
