package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    private List<Path> listing() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void writtenFileGetsTheUsualPermissionsNotOwnerOnly() throws IOException {
        // A plain new file in the same folder shows what the umask gives; the atomic write must give the same
        // (Files.createTempFile would give rw------- whatever the umask).
        Path plain = dir.resolve("plain.bin");
        Files.write(plain, new byte[] {1});
        Path atomic = dir.resolve("atomic.bin");
        AtomicFiles.writeBytes(atomic, new byte[] {1});
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
    }

    @Test
    void replacesTheTarget() throws IOException {
        Path p = dir.resolve("a.bin");
        AtomicFiles.writeBytes(p, new byte[] {1, 2, 3});
        AtomicFiles.writeBytes(p, new byte[] {4});
        assertEquals(1, Files.size(p));
        assertEquals(List.of(p), listing());
    }

    @Test
    void failureMidWriteKeepsTheOldFileAndLeavesNoTemporary() throws IOException {
        Path p = dir.resolve("model.safetensors");
        Files.writeString(p, "old content");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(p, out -> {
            out.write(new byte[100_000]); // more than the buffer: part of it reaches the temporary file
            throw new IOException("disk full (simulated)");
        }));
        assertEquals("disk full (simulated)", e.getMessage());
        assertEquals("old content", Files.readString(p));
        assertEquals(List.of(p), listing());

        RuntimeException r = assertThrows(RuntimeException.class, () -> AtomicFiles.write(dir.resolve("new.bin"),
                out -> {
                    out.write(1);
                    throw new IllegalStateException("bug in the writer");
                }));
        assertEquals("bug in the writer", r.getMessage());
        assertEquals(List.of(p), listing());
    }

    @Test
    void aFolderIsNotATarget() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("f"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeBytes(folder, new byte[1]));
        assertEquals(folder + ": is a folder, cannot write a file there; choose a file name", e.getMessage());
        assertEquals(List.of(folder), listing());
    }
}
