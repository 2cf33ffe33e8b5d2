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
    void givesGpuBandwidthAsShareOfHbm() throws IOException {
        // bf16 batch norm backward at d64.bn2, batch 128: 8 bytes * 128*128*16*16 elements = 33.55 MB in 10 us =
        // 3355 GB/s = 70% of 4800 GB/s.
        String json = "[" + row("org.gan4j.bench.OpBenchmark.batchNormBackwardBf16",
                "{\"backend\":\"cuda\",\"threads\":\"1\",\"layer\":\"d64.bn2\",\"batch\":\"128\"}", 10,
                "us/op", 0) + "]";
        File f = dir.resolve("h.json").toFile();
        Files.writeString(f.toPath(), json);
        System.setProperty(BenchReport.HBM_PROPERTY, "4800");
        try {
            String report = BenchReport.report(BenchReport.read(f));
            assertTrue(report.contains("| 70% of HBM 4800 GB/s | 3355.4 |"), report);
        } finally {
            System.clearProperty(BenchReport.HBM_PROPERTY);
        }
    }

    @Test
    void comparesTheCliPipelineWithTheStepLoop() throws IOException {
        // dcgan64-128: step loop 5 ms (25600 images/s), graph 4 ms (32000), CLI 5 ms (25600): 0.80x of the best
        String p = "{\"backend\":\"cuda\",\"config\":\"dcgan64-128\",\"threads\":\"2\"}";
        String json = "[" + row("org.gan4j.bench.PipelineBenchmark.cli", p, 5, "ms/op", 0) + ","
                + row("org.gan4j.bench.PipelineBenchmark.stepLoop", p, 5, "ms/op", 0) + ","
                + row("org.gan4j.bench.PipelineBenchmark.stepLoopGraph", p, 4, "ms/op", 0) + "]";
        File f = dir.resolve("p.json").toFile();
        Files.writeString(f.toPath(), json);
        String report = BenchReport.report(BenchReport.read(f));
        assertTrue(report.contains("| cuda dcgan64-128 | 25600 | 32000 | 25600 | 0.80x |"), report);
    }

    @Test
    void setsConvolutionRatesBesideTheMeasuredPeak() throws IOException {
        // sgemm 1024^3 in 20 ms: 2 * 1024^3 / 0.02 s = 107.4 GFLOP/s on one core. d28.conv2 forward at batch 64:
        // 2 * 64*128*7*7 * 64*4*4 = 822.1 MFLOP in 10 ms = 82.2 GFLOP/s on 2 threads = 38% of 2 x 107.4.
        // The peak is taken from the CPU time (40 ms of wall clock, 20 ms of CPU time: a loaded machine).
        String json = "[" + row("org.gan4j.bench.PeakBenchmark.sgemm", "{}", 40, "ms/op", 20e6) + ","
                + row("org.gan4j.bench.OpBenchmark.convForward",
                        "{\"backend\":\"cpu\",\"threads\":\"2\",\"layer\":\"d28.conv2\",\"batch\":\"64\"}",
                        10000, "us/op", 0) + ","
                // one thread, 20 ms wall and 16.44 ms CPU: 41.1 and 50.0 GFLOP/s, 38% and 47% of 107.4
                + row("org.gan4j.bench.OpBenchmark.convBackwardData",
                        "{\"backend\":\"cpu\",\"threads\":\"1\",\"layer\":\"d28.conv2\",\"batch\":\"64\"}",
                        20000, "us/op", 16.44e6) + "]";
        File f = dir.resolve("p.json").toFile();
        Files.writeString(f.toPath(), json);
        String report = BenchReport.report(BenchReport.read(f));
        assertTrue(report.contains("| 53.7 | 107.4 GFLOP/s = 100% (1 core, by CPU time) |"), report);
        assertTrue(report.contains("| 82.2 | 38% |"), report);
        assertTrue(report.contains("| 41.1 | 38% (47% by CPU time) |"), report);
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
