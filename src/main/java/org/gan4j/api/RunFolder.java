package org.gan4j.api;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.gan4j.io.AtomicFiles;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;

/**
 * A run folder, locked for one run while it writes there. Its rules (also in README.md and docs/RELIABILITY.md):
 * <ol>
 * <li><b>One run at a time.</b> A run holds an exclusive lock ({@link FileChannel#tryLock}) on {@value #LOCK_FILE} in
 * the folder from before it looks at the folder until it has written its last file; a second run into the same folder
 * (another process or the same JVM) fails at once naming the holder's process id. The operating system drops the lock
 * when the process dies, so a crashed run never blocks the next one (the file itself stays and is harmless).</li>
 * <li><b>A new run never overwrites another run.</b> A folder holding a run's files (metrics.csv, summary.json,
 * losses.png, samples/epoch_N.png, checkpoints/step_N.safetensors) is refused, unless overwriting is asked for; then
 * those files (and only those) are deleted first. Other files in the folder are left alone.</li>
 * <li><b>Resume writes where it is told, never where the checkpoint says.</b> A checkpoint's own run folder is the
 * folder above the {@code checkpoints/} folder it lies in, found from the checkpoint file's path; the output path
 * stored inside a checkpoint is never used to write. Resuming into another folder follows rule 2 there, and copies the
 * source run's metrics rows up to the checkpoint's step, so the new folder holds the whole history.</li>
 * <li><b>Later history is moved aside, never deleted.</b> Resuming from a checkpoint older than the run's newest
 * one moves everything the run wrote after it (later checkpoints and samples, metrics.csv, losses.png, summary.json)
 * into {@code superseded/step_K-<time>/}, with a warning. Metrics rows after the newest checkpoint (steps a crash
 * interrupted) are trained again and replaced.</li>
 * <li><b>Checked before training.</b> The folder, samples/ and checkpoints/ must be folders where the run can write;
 * anything else fails before the first step.</li>
 * </ol>
 * Used by {@link GanTraining} on its run thread; not thread-safe.
 */
final class RunFolder implements AutoCloseable {
    /** The lock file in every run folder. */
    static final String LOCK_FILE = "run.lock";
    /** Where resuming from an older checkpoint moves the later history. */
    static final String SUPERSEDED = "superseded";

    private static final Pattern SAMPLE_FILE = Pattern.compile("epoch_(\\d+)\\.png");

    private final Path dir;
    private final FileChannel channel;
    private final FileLock lock;

    private RunFolder(Path dir, FileChannel channel, FileLock lock) {
        this.dir = dir;
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Creates {@code dir} if needed, takes its lock, and checks that samples/ and checkpoints/ are (or can be) folders
     * the run can write to.
     *
     * @throws IllegalStateException    when another run holds the folder
     * @throws IllegalArgumentException when the folder or one of its sub-folders is a file
     * @throws IOException              when the folder cannot be created or written
     */
    static RunFolder lock(Path dir) throws IOException {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output folder " + dir + " is a file; choose a folder (--out DIR)");
        }
        Files.createDirectories(dir);
        Path lockFile = dir.resolve(LOCK_FILE);
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException sameJvm) {
            lock = null;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        if (lock == null) {
            String holder = holder(ch);
            ch.close();
            throw new IllegalStateException("output folder " + dir + " is in use by another run (" + holder
                    + ", lock " + lockFile + "); wait for it to finish or choose another output folder (--out)");
        }
        RunFolder folder = new RunFolder(dir, ch, lock);
        try {
            ch.truncate(0);
            ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n")
                    .getBytes(StandardCharsets.US_ASCII)), 0);
            for (Path sub : List.of(folder.samples(), folder.checkpoints())) {
                if (Files.exists(sub) && !Files.isDirectory(sub)) {
                    throw new IllegalArgumentException(sub + " is a file where the run keeps its "
                            + sub.getFileName() + "; move it away or choose another output folder (--out)");
                }
                Files.createDirectories(sub);
                Files.delete(Files.createTempFile(sub, ".write-test.", ".tmp")); // fails now, not at the first write
            }
            folder.deleteTemporaryFiles(); // left by a run killed while writing
        } catch (IOException | RuntimeException e) {
            folder.close();
            throw e;
        }
        return folder;
    }

    private static String holder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(64);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.US_ASCII).trim();
            return s.matches("pid \\d+") ? s : "process unknown";
        } catch (IOException e) {
            return "process unknown";
        }
    }

    /** Deletes the temporary files of writes that never finished (see {@link AtomicFiles#deleteTemporaryFiles}). */
    void deleteTemporaryFiles() throws IOException {
        for (Path d : List.of(dir, samples(), checkpoints())) {
            AtomicFiles.deleteTemporaryFiles(d);
        }
    }

    Path dir() {
        return dir;
    }

    Path checkpoints() {
        return dir.resolve("checkpoints");
    }

    Path samples() {
        return dir.resolve("samples");
    }

    Path metrics() {
        return dir.resolve("metrics.csv");
    }

    /**
     * The run folder a checkpoint file belongs to: the parent of the {@code checkpoints/} folder it lies in, or null
     * for a checkpoint elsewhere (or one built in memory).
     */
    static Path ownerOf(Path checkpointFile) {
        if (checkpointFile == null) {
            return null;
        }
        Path parent = checkpointFile.toAbsolutePath().normalize().getParent();
        if (parent == null || parent.getFileName() == null || !parent.getFileName().toString().equals("checkpoints")
                || parent.getParent() == null) {
            return null;
        }
        Path given = checkpointFile.normalize().getParent(); // keep the path as the user gave it where it has one
        return given != null && given.getParent() != null ? given.getParent() : parent.getParent();
    }

    /** The files of a run in this folder, relative to it ("metrics.csv", "checkpoints/step_00000020.safetensors"). */
    List<Path> runFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        for (String name : List.of("metrics.csv", "summary.json", "losses.png")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                out.add(Path.of(name));
            }
        }
        for (Path p : samplesFiles()) {
            out.add(dir.relativize(p));
        }
        for (Path p : Checkpoint.list(checkpoints())) {
            out.add(dir.relativize(p));
        }
        return out;
    }

    private List<Path> samplesFiles() throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(samples())) {
            return out;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(samples(), "epoch_*.png")) {
            for (Path p : ds) {
                if (SAMPLE_FILE.matcher(p.getFileName().toString()).matches() && Files.isRegularFile(p)) {
                    out.add(p);
                }
            }
        }
        out.sort(null);
        return out;
    }

    /**
     * Makes the folder ready for a run that does not continue the run in it (rule 2): refuses when it holds a run's
     * files, or deletes them when {@code overwrite}.
     *
     * @param resumeHint for the message when the run there has a checkpoint: what to do instead, e.g.
     *                   "resume it (--resume DIR), "
     */
    void claim(boolean overwrite, String resumeHint) throws IOException {
        List<Path> files = runFiles();
        if (files.isEmpty()) {
            return;
        }
        if (!overwrite) {
            boolean resumable = !Checkpoint.list(checkpoints()).isEmpty();
            throw new IllegalArgumentException("output folder " + dir + " already holds a run (" + describe(files)
                    + "); " + (resumable ? resumeHint : "") + "choose another output folder (--out), or replace that"
                    + " run with --overwrite");
        }
        for (Path f : files) {
            Files.deleteIfExists(dir.resolve(f));
        }
    }

    /**
     * Before continuing this folder's own run from {@code step} (rule 4): moves what the run wrote after that step
     * aside when a later checkpoint exists, and says so through {@code warn}.
     *
     * @param step  the resumed checkpoint's step
     * @param epoch its epoch (of the next batch): samples of later epochs are moved
     * @return the folder the later history went to, or null when there was none
     */
    Path supersedeAfter(long step, int epoch, Consumer<String> warn) throws IOException {
        List<Path> later = new ArrayList<>();
        long newest = step;
        for (Path c : Checkpoint.list(checkpoints())) {
            long s = Checkpoint.stepOf(c);
            if (s > step) {
                later.add(c);
                newest = Math.max(newest, s);
            }
        }
        if (later.isEmpty()) {
            return null;
        }
        for (Path p : samplesFiles()) {
            Matcher m = SAMPLE_FILE.matcher(p.getFileName().toString());
            if (m.matches() && Long.parseLong(m.group(1)) > epoch) {
                later.add(p);
            }
        }
        for (String name : List.of("metrics.csv", "summary.json", "losses.png")) {
            if (Files.isRegularFile(dir.resolve(name))) {
                later.add(dir.resolve(name));
            }
        }
        Path target = dir.resolve(SUPERSEDED).resolve("step_" + step + "-"
                + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
        for (Path p : later) {
            Path to = target.resolve(dir.relativize(p));
            Files.createDirectories(to.getParent());
            if (p.getFileName().toString().equals("metrics.csv")) {
                Files.copy(p, to); // the kept rows stay in the folder; the copy holds the whole superseded log
            } else {
                Files.move(p, to);
            }
        }
        warn.accept("resuming from step " + step + " of a run that went on to step " + newest + ": its later"
                + " checkpoints and samples, metrics.csv, losses.png and summary.json were moved to " + target);
        return target;
    }

    /**
     * Starts this folder's metrics.csv with the rows of {@code source} up to {@code step} (rule 3), when the source
     * has one; the columns must be {@code columns}.
     */
    void copyMetricsFrom(Path sourceRun, long step, List<String> columns) throws IOException {
        Path src = sourceRun == null ? null : sourceRun.resolve("metrics.csv");
        if (src == null || !Files.isRegularFile(src) || Files.exists(metrics())) {
            return;
        }
        Files.copy(src, metrics());
        MetricsLog.resume(metrics(), columns, step).close();
    }

    private static String describe(List<Path> files) {
        List<String> names = new ArrayList<>();
        for (Path f : files) {
            String s = f.getNameCount() > 1 ? f.getName(0) + "/" : f.toString();
            if (!names.contains(s)) {
                names.add(s);
            }
        }
        return String.join(", ", names);
    }

    /** Releases the lock (the lock file stays). */
    @Override
    public void close() throws IOException {
        try {
            if (lock.isValid()) {
                lock.release();
            }
        } finally {
            channel.close();
        }
    }
}
