package org.gan4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.gan4j.backend.Backend;

/**
 * Where the time of one gan4j iteration goes, op by op: runs one {@link GanStep} (a GanTrainer step) per iteration
 * on a {@link ProfilingBackend} around the named backend and prints a Markdown table of wall-clock and CPU ms per
 * iteration per op and shape (CPU time of the calling thread and of the CPU backend's pool threads: an op split
 * evenly over two threads puts half of its CPU time on the pool), largest CPU time first, with the unprofiled
 * iteration time beside it for reference.
 *
 * <p>Usage: {@code java -cp benchmarks.jar org.gan4j.bench.OpProfile [backend] [config] [threads] [iterations]},
 * defaults {@code cpu dcgan28-64 2 10}.
 */
public final class OpProfile {
    private OpProfile() {
    }

    public static void main(String[] args) {
        String backend = args.length > 0 ? args[0] : "cpu";
        GanConfig config = GanConfig.parse(args.length > 1 ? args[1] : "dcgan28-64");
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 2;
        int iterations = args.length > 3 ? Integer.parseInt(args[3]) : 10;

        double plainMs;
        try (Backend b = BenchBackends.create(backend, threads);
                GanStep it = new GanStep(b, config, 42)) {
            for (int i = 0; i < Math.max(3, iterations / 2); i++) {
                it.step();
            }
            b.synchronize();
            long t0 = System.nanoTime();
            for (int i = 0; i < iterations; i++) {
                it.step();
            }
            b.synchronize();
            plainMs = (System.nanoTime() - t0) / 1e6 / iterations;
        }
        try (ProfilingBackend p = new ProfilingBackend(BenchBackends.create(backend, threads));
                GanStep it = new GanStep(p, config, 42)) {
            for (int i = 0; i < Math.max(3, iterations / 2); i++) {
                it.step();
            }
            p.reset();
            for (int i = 0; i < iterations; i++) {
                it.step();
            }
            List<Map.Entry<String, long[]>> rows = new ArrayList<>(p.times().entrySet());
            rows.sort((a, c) -> Long.compare(c.getValue()[2] + c.getValue()[3], a.getValue()[2] + a.getValue()[3]));
            double total = 0;
            double totalCpu = 0;
            double totalWorkers = 0;
            for (Map.Entry<String, long[]> r : rows) {
                total += r.getValue()[1];
                totalCpu += r.getValue()[2];
                totalWorkers += r.getValue()[3];
            }
            total = total / 1e6 / iterations;
            totalCpu = totalCpu / 1e6 / iterations;
            totalWorkers = totalWorkers / 1e6 / iterations;
            System.out.printf("%s, %s: iteration %.2f ms unprofiled, %.2f ms as the sum of synchronised ops "
                    + "(CPU time: %.2f ms of the calling thread, %.2f ms of the backend's pool threads)%n%n",
                    p.deviceDescription(), config, plainMs, total, totalCpu, totalWorkers);
            System.out.println("| op | first tensor | calls/iter | ms/iter | CPU ms/iter, calling thread | CPU ms/iter, "
                    + "pool | share of CPU time | share on the pool |");
            System.out.println("| --- | --- | --- | --- | --- | --- | --- | --- |");
            for (Map.Entry<String, long[]> r : rows) {
                String key = r.getKey();
                int sp = key.lastIndexOf(" (");
                double ms = r.getValue()[1] / 1e6 / iterations;
                double cpu = r.getValue()[2] / 1e6 / iterations;
                double pool = r.getValue()[3] / 1e6 / iterations;
                System.out.printf("| %s | %s | %d | %.3f | %.3f | %.3f | %.1f%% | %.0f%% |%n",
                        sp < 0 ? key : key.substring(0, sp), sp < 0 ? "" : key.substring(sp + 1),
                        r.getValue()[0] / iterations, ms, cpu, pool, 100 * (cpu + pool) / (totalCpu + totalWorkers),
                        cpu + pool > 0 ? 100 * pool / (cpu + pool) : 0);
            }
        }
    }
}
