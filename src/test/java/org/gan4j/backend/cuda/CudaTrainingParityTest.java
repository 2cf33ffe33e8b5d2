package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Locale;
import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.gan.StepMetrics;
import org.junit.jupiter.api.Test;

/**
 * Training parity (issue 3): 20 steps of the 28x28 DCGAN ({@code GanArchitecture.DCGAN28}, batch 64) from the same
 * initial weights, the same real batches and the same Philox noise and labels, on the CPU (F32, the reference) and
 * on CUDA (TF32 off); every step's losses, D outputs and gradient norms must agree within {@link #tolerance}.
 * GPU only ({@link GpuTests#assumeGpu()}); {@code -Dgan4j.parity.against=cpu64} runs a CPU F64 backend in CUDA's
 * place, to see the tolerance hold against float-vs-double divergence where there is no GPU.
 */
class CudaTrainingParityTest {
    static final int STEPS = 20;
    private static final String AGAINST = System.getProperty("gan4j.parity.against", "cuda");

    /**
     * Allowed |cuda - cpu| for a metric of step {@code s} (1-based), relative to max(1, |cpu|).
     *
     * <p>Step 1 runs identical weights on identical inputs: only float summation order differs (cuDNN and cuBLAS
     * vs OpenBLAS, different algorithms), about sqrt(k) ulps of dot products of length k <= 6272 through 8 layers,
     * under 1e-5 relative; the step-1 bound (6e-4, 2.1e-3 for norms) is tight enough that a wrong kernel, a missed
     * accumulation or different noise (O(0.1) differences) fails at once. After that the trajectories drift apart:
     * each Adam step turns relative gradient differences into parameter differences, near-zero gradients can flip
     * the sign of a whole lr-sized update, ReLU and LeakyReLU kinks switch, and GAN training amplifies it. The
     * drift is measured with the F64 stand-in ({@code -Dgan4j.parity.against=cpu64}: F32 vs F64 differ by float
     * rounding, as cuDNN vs OpenBLAS do): over 20 steps at most 0.45% on losses and D outputs and 1.8% on gradient
     * norms (sums of squares over every gradient, the most sensitive), growing roughly linearly. The bound grows
     * linearly too, 5e-4 per step for losses and D outputs and 2e-3 for norms: about twice the measured drift.
     */
    static double tolerance(int metric, int s) {
        double perStep = TrainingRun.NAMES[metric].startsWith("|grad") ? 2e-3 : 5e-4;
        return 1e-4 + perStep * s;
    }

    @Test
    void twentyDcgan28StepsMatchTheCpu() {
        checkAgainstCpu(0);
    }

    /** The class-conditional DCGAN28 (class embedding in G, projection D) of 10 classes, under the same bounds. */
    @Test
    void twentyConditionalDcgan28StepsMatchTheCpu() {
        checkAgainstCpu(10);
    }

    private static void checkAgainstCpu(int classes) {
        if (AGAINST.equals("cuda")) {
            GpuTests.assumeGpu();
        }
        List<StepMetrics> ref;
        List<StepMetrics> got;
        try (Backend cpu = CpuBackend.create(); TrainingRun r = new TrainingRun(cpu, classes)) {
            ref = r.run(STEPS);
        }
        try (Backend b = AGAINST.equals("cuda") ? CudaBackend.create(0, false) // TF32 off: parity is about fp32
                : AGAINST.equals("cpu64") ? ReferenceBackend.create() : CpuBackend.create();
                TrainingRun r = new TrainingRun(b, classes)) {
            got = r.run(STEPS);
        }
        assertEquals(STEPS, got.size());
        String report = compare(ref, got);
        if (!report.isEmpty()) {
            fail((classes > 0 ? "conditional " : "") + "DCGAN28 training on " + AGAINST + " left the CPU's"
                    + " trajectory:\n" + report);
        }
    }

    /** Empty when every metric of every step is within {@link #tolerance}; else one line per mismatch. */
    static String compare(List<StepMetrics> ref, List<StepMetrics> got) {
        StringBuilder report = new StringBuilder();
        for (int s = 1; s <= ref.size(); s++) {
            double[] r = TrainingRun.values(ref.get(s - 1));
            double[] g = TrainingRun.values(got.get(s - 1));
            for (int k = 0; k < r.length; k++) {
                double allowed = tolerance(k, s) * Math.max(1, Math.abs(r[k]));
                if (!(Math.abs(g[k] - r[k]) <= allowed)) {
                    report.append(String.format(Locale.ROOT, "  step %d %s: reference %.7g, got %.7g, diff %.3g, "
                            + "allowed %.3g%n", s, TrainingRun.NAMES[k], r[k], g[k], Math.abs(g[k] - r[k]), allowed));
                }
            }
        }
        return report.toString();
    }
}
