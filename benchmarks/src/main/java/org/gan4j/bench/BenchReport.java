package org.gan4j.bench;

import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Reads a JMH JSON result ({@code java -jar benchmarks.jar ... -rf json -rff result.json}) and prints, per row, the
 * time with its error, and what it means against the hardware: images/s and GFLOP/s for whole iterations
 * ({@link FlopCounter#iterationFlops}), GFLOP/s for convolutions and GB/s for memory-bound ops ({@link OpCases}).
 * Then, for each configuration run by both {@link IterationBenchmark} on the CPU and
 * {@link LibtorchIterationBenchmark}, the best images/s of each and their ratio; for {@link PipelineBenchmark}, the
 * CLI pipeline's images/s beside the step loop's (eager and CUDA graph) per configuration. When the same result
 * holds {@link PeakBenchmark} (the measured single-core GEMM peak, by CPU time when recorded), each CPU convolution
 * row also gets its share of that peak times its thread count, and at one thread also its share by CPU time (and of
 * the FMA peak given as {@code -Dgan4j.fmaPeak}, GFLOP/s per core).
 * Output is Markdown.
 *
 * <p>Usage: {@code java -cp benchmarks.jar org.gan4j.bench.BenchReport result.json}
 */
public final class BenchReport {
    /**
     * System property: the card's HBM bandwidth in GB/s (scripts/gpu-bench.sh sets it from the card's name); the GB/s
     * of GPU memory-bound ops are then also given as a share of it.
     */
    static final String HBM_PROPERTY = "gan4j.bench.hbmGBs";
    private BenchReport() {
    }

    /** One JMH result row. */
    record Row(String benchmark, String method, Map<String, String> params, double score, double error,
            String unit, double cpuMs) {
        /** Seconds per operation. */
        double seconds() {
            return score * switch (unit) {
                case "s/op" -> 1;
                case "ms/op" -> 1e-3;
                case "us/op" -> 1e-6;
                case "ns/op" -> 1e-9;
                default -> throw new IllegalArgumentException("unsupported JMH unit " + unit
                        + ": run in average-time mode (the default of these benchmarks)");
            };
        }

        String paramString() {
            StringBuilder b = new StringBuilder();
            params.forEach((k, v) -> b.append(b.length() == 0 ? "" : " ").append(k).append('=').append(v));
            return b.toString();
        }
    }

    static List<Row> read(File json) throws IOException {
        JsonNode root = new ObjectMapper().readTree(json);
        List<Row> rows = new ArrayList<>();
        for (JsonNode r : root) {
            String full = r.get("benchmark").asText();
            String[] parts = full.split("\\.");
            String method = parts[parts.length - 1];
            String cls = parts[parts.length - 2];
            Map<String, String> params = new TreeMap<>();
            JsonNode p = r.get("params");
            if (p != null) {
                p.fields().forEachRemaining(e -> params.put(e.getKey(), e.getValue().asText()));
            }
            JsonNode m = r.get("primaryMetric");
            double err = m.get("scoreError").asDouble();
            double cpuMs = Double.NaN;
            JsonNode sec = r.get("secondaryMetrics");
            if (sec != null && sec.has("cpuNanos") && sec.has("calls")) {
                cpuMs = sec.get("cpuNanos").get("score").asDouble() / sec.get("calls").get("score").asDouble() / 1e6;
            }
            rows.add(new Row(cls, method, params, m.get("score").asDouble(), Double.isNaN(err) ? 0 : err,
                    m.get("scoreUnit").asText(), cpuMs));
        }
        return rows;
    }

    /** The Markdown report of {@code rows}. */
    static String report(List<Row> rows) {
        StringBuilder out = new StringBuilder();
        double peak = peakGflopsPerCore(rows);
        out.append("| benchmark | parameters | time | images/s | GFLOP/s | % of peak | GB/s | CPU ms/op "
                + "| images/s by CPU time |\n");
        out.append("| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        Map<String, Double> gan4jBest = new LinkedHashMap<>();
        Map<String, Double> torchBest = new LinkedHashMap<>();
        Map<String, Double> gan4jCpu1 = new LinkedHashMap<>();
        Map<String, Double> torchCpu1 = new LinkedHashMap<>();
        Map<String, Map<String, Double>> pipeline = new LinkedHashMap<>();
        for (Row r : rows) {
            double s = r.seconds();
            String images = "";
            String gflops = "";
            String ofPeak = "";
            String gbs = "";
            String cpuMs = Double.isNaN(r.cpuMs()) ? "" : String.format("%.1f", r.cpuMs());
            String cpuIps = "";
            if (STEP_METHODS.contains(r.method()) && r.params().containsKey("config")) {
                GanConfig c = GanConfig.parse(r.params().get("config"));
                double ips = c.batch() / s;
                images = String.format("%.0f", ips);
                gflops = String.format("%.1f", FlopCounter.iterationFlops(c) / s / 1e9);
                boolean oneThread = "1".equals(r.params().get("threads"));
                double ipsCpu = c.batch() / (r.cpuMs() / 1e3);
                if (oneThread && !Double.isNaN(r.cpuMs())) {
                    cpuIps = String.format("%.0f", ipsCpu);
                }
                if (r.benchmark().equals("LibtorchIterationBenchmark")) {
                    torchBest.merge(c.toString(), ips, Math::max);
                    if (!cpuIps.isEmpty()) {
                        torchCpu1.put(c.toString(), ipsCpu);
                    }
                } else if (r.benchmark().equals("PipelineBenchmark")) {
                    pipeline.computeIfAbsent(r.params().get("backend") + " " + c, k -> new TreeMap<>())
                            .put(r.method(), ips);
                } else if ("cpu".equals(r.params().get("backend"))) {
                    gan4jBest.merge(c.toString(), ips, Math::max);
                    if (!cpuIps.isEmpty()) {
                        gan4jCpu1.put(c.toString(), ipsCpu);
                    }
                }
            } else if (r.benchmark().equals("OpBenchmark")) {
                boolean[] isFlops = new boolean[1];
                long work = OpCases.work(r.method(), r.params(), isFlops);
                if (work >= 0 && isFlops[0]) {
                    gflops = String.format("%.1f", work / s / 1e9);
                    if (!Double.isNaN(peak) && r.params().getOrDefault("backend", "").startsWith("cpu")) {
                        int threads = Integer.parseInt(r.params().getOrDefault("threads", "1"));
                        ofPeak = String.format("%.0f%%", 100 * work / s / 1e9 / (peak * threads));
                        if (threads == 1 && !Double.isNaN(r.cpuMs())) {
                            double byCpu = work / (r.cpuMs() / 1e3) / 1e9;
                            ofPeak += String.format(" (%.0f%% by CPU time", 100 * byCpu / peak)
                                    + (FMA_PEAK > 0 ? String.format("; %.0f%% of the FMA peak)", 100 * byCpu / FMA_PEAK)
                                    : ")");
                        }
                    }
                } else if (work >= 0) {
                    gbs = String.format("%.1f", work / s / 1e9);
                    double hbm = Double.parseDouble(System.getProperty(HBM_PROPERTY, "NaN"));
                    if (!Double.isNaN(hbm) && !"cpu".equals(r.params().get("backend"))) {
                        ofPeak = String.format("%.0f%% of HBM %.0f GB/s", 100 * work / s / 1e9 / hbm, hbm);
                    }
                }
            } else if (r.benchmark().equals("PeakBenchmark")) {
                gflops = String.format("%.1f", PeakBenchmark.flops() / s / 1e9);
                ofPeak = String.format("%.1f GFLOP/s = 100%% (1 core%s)", peak,
                        Double.isNaN(r.cpuMs()) ? "" : ", by CPU time");
            }
            out.append(String.format("| %s.%s | %s | %s ± %s %s | %s | %s | %s | %s | %s | %s |%n", r.benchmark(),
                    r.method(), r.paramString(), fmt(r.score()), fmt(r.error()), r.unit(), images, gflops, ofPeak,
                    gbs, cpuMs, cpuIps));
        }
        List<String> both = new ArrayList<>(gan4jBest.keySet());
        both.retainAll(torchBest.keySet());
        if (!both.isEmpty()) {
            out.append("\n| config | gan4j CPU best images/s | libtorch best images/s | gan4j / libtorch | "
                    + "1 thread, by CPU time: gan4j | libtorch | gan4j / libtorch |\n");
            out.append("| --- | --- | --- | --- | --- | --- | --- |\n");
            for (String c : both) {
                Double g1 = gan4jCpu1.get(c);
                Double t1 = torchCpu1.get(c);
                String cpu = g1 == null || t1 == null ? "| | |"
                        : String.format("%.0f | %.0f | %.2fx |", g1, t1, g1 / t1);
                out.append(String.format("| %s | %.0f | %.0f | %.2fx | %s%n", c, gan4jBest.get(c), torchBest.get(c),
                        gan4jBest.get(c) / torchBest.get(c), cpu));
            }
        }
        if (!pipeline.isEmpty()) {
            out.append("\n| backend config | step loop images/s | step loop, CUDA graph | CLI pipeline images/s | "
                    + "CLI / best step loop |\n");
            out.append("| --- | --- | --- | --- | --- |\n");
            pipeline.forEach((k, m) -> {
                double best = Math.max(m.getOrDefault("stepLoop", 0.0), m.getOrDefault("stepLoopGraph", 0.0));
                Double cli = m.get("cli");
                out.append(String.format("| %s | %s | %s | %s | %s |%n", k, ips(m.get("stepLoop")),
                        ips(m.get("stepLoopGraph")), ips(cli),
                        cli == null || best == 0 ? "" : String.format("%.2fx", cli / best)));
            });
        }
        return out.toString();
    }

    /**
     * The FMA units' peak of one core in GFLOP/s ({@code benchmarks/src/main/c/fma_peak.c}), given as
     * {@code -Dgan4j.fmaPeak=97}; when set, one-thread CPU convolution rows also show their share of it by CPU time.
     */
    private static final double FMA_PEAK = Double.parseDouble(System.getProperty("gan4j.fmaPeak", "0"));

    /** Methods whose one operation is one training step of the {@code config} parameter's DCGAN. */
    private static final Set<String> STEP_METHODS = Set.of("iteration", "cli", "stepLoop",
            "stepLoopGraph");

    private static String ips(Double v) {
        return v == null ? "" : String.format("%.0f", v);
    }

    /**
     * GFLOP/s of the {@link PeakBenchmark} row of {@code rows}, by its CPU time when recorded (one thread: that is
     * its whole work, and other processes do not inflate it), else by wall clock; NaN if there is none.
     */
    static double peakGflopsPerCore(List<Row> rows) {
        for (Row r : rows) {
            if (r.benchmark().equals("PeakBenchmark")) {
                double seconds = Double.isNaN(r.cpuMs()) ? r.seconds() : r.cpuMs() / 1e3;
                return PeakBenchmark.flops() / seconds / 1e9;
            }
        }
        return Double.NaN;
    }

    private static String fmt(double v) {
        return v >= 100 ? String.format("%.1f", v) : v >= 1 ? String.format("%.2f", v) : String.format("%.3f", v);
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: java -cp benchmarks.jar org.gan4j.bench.BenchReport <jmh-result.json>");
            System.exit(2);
        }
        System.out.print(report(read(new File(args[0]))));
    }
}
