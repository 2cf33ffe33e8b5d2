package org.gan4j.reliability;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.gan4j.api.GanTraining;
import org.gan4j.api.TrainingConfig;
import org.gan4j.io.MetricsLog;

/**
 * The harness of the concurrency tests: trains each run alone, one after another, then all at once on their own
 * threads (started together by a barrier), and returns both sets of metrics.csv rows for the caller to compare.
 */
final class ConcurrentRuns {
    /** Rows of metrics.csv per run: {@code alone.get(i)} and {@code together.get(i)} come from the same config. */
    record Result(List<List<double[]>> alone, List<List<double[]>> together) {
    }

    private ConcurrentRuns() {
    }

    static Result aloneThenTogether(List<TrainingConfig.Builder> runs, Path tmp, long timeoutSeconds)
            throws Exception {
        List<List<double[]>> alone = new ArrayList<>();
        for (int i = 0; i < runs.size(); i++) {
            alone.add(train(runs.get(i).output(tmp.resolve("alone" + i)).build()));
        }
        ExecutorService pool = Executors.newFixedThreadPool(runs.size());
        try {
            CyclicBarrier start = new CyclicBarrier(runs.size());
            List<Future<List<double[]>>> futures = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                TrainingConfig c = runs.get(i).output(tmp.resolve("together" + i)).build();
                futures.add(pool.submit(() -> {
                    start.await();
                    return train(c);
                }));
            }
            List<List<double[]>> together = new ArrayList<>();
            for (Future<List<double[]>> f : futures) {
                together.add(f.get(timeoutSeconds, TimeUnit.SECONDS));
            }
            return new Result(alone, together);
        } finally {
            pool.shutdownNow();
        }
    }

    private static List<double[]> train(TrainingConfig c) throws Exception {
        try (GanTraining t = GanTraining.create(c)) {
            t.run(new GanTraining.Listener() { });
        }
        return MetricsLog.read(c.output().resolve("metrics.csv")).rows();
    }
}
