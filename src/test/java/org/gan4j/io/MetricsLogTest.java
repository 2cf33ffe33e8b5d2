package org.gan4j.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {
    private static final List<String> COLS = List.of("step", "epoch", "loss_D", "loss_G");

    @TempDir
    Path dir;

    @Test
    void writesAndReadsBackExactly() throws IOException {
        Path csv = dir.resolve("metrics.csv");
        double[] odd = {5, 0, 1.0 / 3, 0.1f};
        try (MetricsLog log = MetricsLog.create(csv, COLS)) {
            log.append(1, 0, 1.25, 0.75);
            log.append(odd);
            log.append(9, 1, Double.NaN, Double.POSITIVE_INFINITY);
        }
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,epoch,loss_D,loss_G", lines.get(0));
        assertEquals("1,0,1.25,0.75", lines.get(1));
        assertEquals("5,0,0.3333333333333333,0.1", lines.get(2)); // 0.1f is written as the float it is
        assertEquals("9,1,NaN,Infinity", lines.get(3));
        MetricsLog.Table t = MetricsLog.read(csv);
        assertEquals(COLS, t.columns());
        double[] back = t.rows().get(1);
        assertArrayEquals(new double[] {5, 0, 1.0 / 3}, Arrays.copyOf(back, 3)); // doubles: exact
        assertEquals(0.1f, (float) back[3]); // a float value: exact after the cast back to float
        assertArrayEquals(new double[] {1, 5, 9}, t.column("step"));
        assertThrows(IllegalArgumentException.class, () -> t.column("nope"));
    }

    @Test
    void resumeDropsLaterRowsAndAHalfWrittenLine() throws IOException {
        Path csv = dir.resolve("metrics.csv");
        try (MetricsLog log = MetricsLog.create(csv, COLS)) {
            for (int step = 10; step <= 50; step += 10) {
                log.append(step, step / 20, 0.5, 0.5);
            }
        }
        Files.writeString(csv, "60,3,0.4", StandardCharsets.UTF_8, StandardOpenOption.APPEND); // crash mid-line
        try (MetricsLog log = MetricsLog.resume(csv, COLS, 30)) {
            log.append(40, 2, 0.1, 0.2);
        }
        MetricsLog.Table t = MetricsLog.read(csv);
        assertArrayEquals(new double[] {10, 20, 30, 40}, t.column("step"));
        assertArrayEquals(new double[] {0.5, 0.5, 0.5, 0.1}, t.column("loss_D"));

        IOException e = assertThrows(IOException.class,
                () -> MetricsLog.resume(csv, List.of("step", "epoch", "loss_D"), 10));
        assertTrue(e.getMessage().contains("differs from the columns"), e.getMessage());

        // No file yet: resume creates it.
        Path fresh = dir.resolve("sub/new.csv");
        try (MetricsLog log = MetricsLog.resume(fresh, COLS, 100)) {
            log.append(1, 0, 0, 0);
        }
        assertEquals(List.of("step,epoch,loss_D,loss_G", "1,0,0,0"), Files.readAllLines(fresh));
    }

    @Test
    void malformedMiddleLineAndBadColumns() throws IOException {
        Path csv = dir.resolve("m.csv");
        Files.writeString(csv, "step,epoch,loss_D,loss_G\n1,0,1,1\nrubbish\n3,0,1,1\n");
        IOException e = assertThrows(IOException.class, () -> MetricsLog.resume(csv, COLS, 5));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsLog.create(csv, List.of("epoch", "step")));
        assertThrows(IllegalArgumentException.class, () -> MetricsLog.create(csv, List.of("step", "a,b")));
        try (MetricsLog log = MetricsLog.create(dir.resolve("x.csv"), COLS)) {
            assertThrows(IllegalArgumentException.class, () -> log.append(1, 2));
        }
    }
}
