package org.gan4j.bench;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir
    Path dir;

    @Test
    void derivesImagesPerSecondFlopsAndTheLibtorchRatio() throws IOException {
        // dcgan28-64 at 100 ms: 640 images/s; 160.8 MFLOP/image * 64 / 0.1 s = 102.9 GFLOP/s. libtorch at 200 ms:
        // 320 images/s, so the ratio is 2.00x.
        String json = "[" + row("org.gan4j.bench.IterationBenchmark.iteration",
                "{\"backend\":\"cpu\",\"config\":\"dcgan28-64\",\"threads\":\"1\"}", 100, "ms/op", 50e6) + ","
                + row("org.gan4j.bench.LibtorchIterationBenchmark.iteration",
                        "{\"config\":\"dcgan28-64\",\"threads\":\"2\"}", 200, "ms/op", 0) + ","
                + row("org.gan4j.bench.OpBenchmark.batchNormForward",
                        "{\"backend\":\"cpu\",\"threads\":\"2\",\"layer\":\"d28.bn\",\"batch\":\"64\"}", 100,
                        "us/op", 0) + "]";
        File f = dir.resolve("r.json").toFile();
        Files.writeString(f.toPath(), json);
        String report = BenchReport.report(BenchReport.read(f));
        assertTrue(report.contains("| 640 | 102.9 |"), report);
        // CPU time 50 ms per call at one thread: 1280 images/s by CPU time.
        assertTrue(report.contains("| 50.0 | 1280 |"), report);
        assertTrue(report.contains("| dcgan28-64 | 640 | 320 | 2.00x | "), report);
        // 8 bytes * 64*128*49 elements in 100 us = 32.1 GB/s.
        assertTrue(report.contains("| 32.1 |"), report);
    }

    @Test
    void setsConvolutionRatesBesideTheMeasuredPeak() throws IOException {
        // sgemm 1024^3 in 20 ms: 2 * 1024^3 / 0.02 s = 107.4 GFLOP/s on one core. d28.conv2 forward at batch 64:
        // 2 * 64*128*7*7 * 64*4*4 = 822.1 MFLOP in 10 ms = 82.2 GFLOP/s on 2 threads = 38% of 2 x 107.4.
        String json = "[" + row("org.gan4j.bench.PeakBenchmark.sgemm", "{}", 20, "ms/op", 0) + ","
                + row("org.gan4j.bench.OpBenchmark.convForward",
                        "{\"backend\":\"cpu\",\"threads\":\"2\",\"layer\":\"d28.conv2\",\"batch\":\"64\"}",
                        10000, "us/op", 0) + "]";
        File f = dir.resolve("p.json").toFile();
        Files.writeString(f.toPath(), json);
        String report = BenchReport.report(BenchReport.read(f));
        assertTrue(report.contains("| 107.4 | 100% (1 core) |"), report);
        assertTrue(report.contains("| 82.2 | 38% |"), report);
    }

    /** A JMH result row; {@code cpuNanos} > 0 adds the CpuClock secondary metrics of one call. */
    private static String row(String benchmark, String params, double score, String unit, double cpuNanos) {
        String secondary = cpuNanos <= 0 ? "" : ",\"secondaryMetrics\":{\"cpuNanos\":{\"score\":" + cpuNanos
                + "},\"calls\":{\"score\":1.0}}";
        return "{\"benchmark\":\"" + benchmark + "\",\"mode\":\"avgt\",\"params\":" + params
                + ",\"primaryMetric\":{\"score\":" + score + ",\"scoreError\":1.0,\"scoreUnit\":\"" + unit + "\"}"
                + secondary + "}";
    }
}
