package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.gan4j.backend.Backend;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.gan4j.backend.cuda.TrainingRun.Setup;
import org.gan4j.gan.GanLoss;
import org.gan4j.gan.Labels;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.StepMetrics;
import org.gan4j.gan.TrainerConfig;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Training parity (issue 3): 20 steps of the 28x28 DCGAN ({@code GanArchitecture.DCGAN28}, batch 64) from the same
 * initial weights, the same real batches and the same Philox noise and labels, on the CPU (F32, the reference) and
 * on CUDA (TF32 off); every step's losses, D outputs and gradient norms must agree within {@link #tolerance}.
 * The same for the class-conditional DCGAN28 and for each stabiliser of issue 13 (spectral norm, hinge, packing, both
 * learning-rate schedules, R1 on mlp2d, the average of G). GPU only ({@link GpuTests#assumeGpu()});
 * {@code -Dgan4j.parity.against=cpu64} runs a CPU F64 backend in CUDA's place, to see the tolerance hold against
 * float-vs-double divergence where there is no GPU ({@code portable}: the CPU backend's portable convolutions,
 * im2col + OpenBLAS, against its native kernels, float sums in another order as cuDNN's are, and much faster;
 * {@code cpu32}: a second identical F32 CPU backend, a check of the harness). {@code -Dgan4j.parity.only=TEXT} keeps
 * the stabiliser cases whose name contains TEXT (the F64 stand-in takes minutes per DCGAN28 case).
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
        return tolerance(metric, s, 1);
    }

    /** {@link #tolerance(int, int)} with its per-step growth times {@code drift} (see {@link #HINGE_DRIFT}). */
    static double tolerance(int metric, int s, double drift) {
        double perStep = TrainingRun.NAMES[metric].startsWith("|grad") ? 2e-3 : 5e-4;
        return 1e-4 + perStep * drift * s;
    }

    /**
     * Trajectories under the hinge loss part faster: its logits are unbounded (D(x) reaches 2.3 by step 20 on the
     * DCGAN28, where a sigmoid would saturate) and samples cross its margins at +-1, kinks that switch whole samples'
     * gradients. DCGAN28 with the {@code portable} stand-in (both float32): 0.55% of loss_G and 2.5% of |grad D| at
     * step 10, then faster than linearly, 3.6% of D(x) and 7.4% of |grad D| at step 20. The mixture recipe's mlp2d
     * with R1 (lr 1e-3, Adam (0, 0.9)) against the F64 stand-in: within the plain bounds up to step 13, then fast
     * apart (|grad D| 48% off at step 17). So the hinge cases compare {@link #HINGE_STEPS} steps at 3 times the
     * per-step growth: at least 2.4 times the drift seen there.
     */
    static final double HINGE_DRIFT = 3;
    static final int HINGE_STEPS = 10;

    @Test
    void twentyDcgan28StepsMatchTheCpu() {
        checkAgainstCpu(Setup.dcgan28(0));
    }

    /** The class-conditional DCGAN28 (class embedding in G, projection D) of 10 classes, under the same bounds. */
    @Test
    void twentyConditionalDcgan28StepsMatchTheCpu() {
        checkAgainstCpu(Setup.dcgan28(10));
    }

    /**
     * Each stabiliser of issue 13 on its own, over the same 20 steps and under the same bounds (with the hinge loss,
     * as the mlp2d cases have too, fewer steps: see {@link #HINGE_DRIFT}): spectral norm of
     * every Linear and Conv2d weight of D (its power iteration and backward), the hinge loss (hard labels, as it
     * requires), PacGAN packing of 2 (D on (32, 2, 28, 28)), both learning-rate schedules through
     * {@link LrSchedule#factor} as {@code GanTraining} applies them (linear decay from the start, and a step
     * schedule halving every 5 steps: the Adam rate read from the device changes mid-run), the R1 penalty's second
     * backward on the mixture recipe's mlp2d (R1 needs a D without batch norm), with and without spectral norm.
     * The average of G ({@code --ema}) does not change the trajectory: {@link #averageOfGMatchesTheCpu} checks it.
     * Checked without a GPU (2026-11-30): every DCGAN28 case within its bounds against the {@code portable} stand-in,
     * the mlp2d cases (no convolution, so the same there) against {@code cpu64}.
     */
    @TestFactory
    Stream<DynamicTest> eachStabiliserMatchesTheCpu() {
        Setup dcgan = Setup.dcgan28(0);
        TrainerConfig hard = dcgan.config().toBuilder().labels(Labels.HARD).build();
        Setup mlp = Setup.mlp2d();
        TrainerConfig r1 = mlp.config().toBuilder().r1Gamma(0.1f).build();
        List<Setup> setups = List.of(
                dcgan.named("spectral norm").with(dcgan.options().withSpectralNorm(true)),
                dcgan.named("hinge loss, " + HINGE_STEPS + " steps").with(hard.toBuilder().loss(GanLoss.HINGE).build()),
                dcgan.named("pack 2").with(dcgan.options().withPack(2)),
                dcgan.named("linear decay").with(LrSchedule.linear(0), STEPS),
                dcgan.named("step schedule 5:0.5").with(LrSchedule.step(5, 0.5), STEPS),
                mlp.named("R1 0.1, " + HINGE_STEPS + " steps").with(r1),
                mlp.named("R1 0.1, spectral norm, " + HINGE_STEPS + " steps").with(r1)
                        .with(mlp.options().withSpectralNorm(true)));
        String only = System.getProperty("gan4j.parity.only", "");
        return setups.stream().filter(s -> s.name().contains(only)).map(s -> dynamicTest(s.name(), () -> {
            boolean hinge = s.config().loss() == GanLoss.HINGE;
            checkAgainstCpu(s, hinge ? HINGE_STEPS : STEPS, hinge ? HINGE_DRIFT : 1);
        }));
    }

    /**
     * The average of G's weights ({@code TrainerConfig.emaDecay}, decay 0.9 so 20 steps move it well away from the
     * initial weights) on the DCGAN28, both backends stepped side by side. The average is a convex combination of G's
     * weights after each step (bias-corrected, see {@code WeightAverage}), so each averaged value can differ between
     * the backends by at most the largest difference of that weight over the steps, plus the rounding of 20 float
     * scale-and-add updates and the correction (a few ulps each: 1e-5 of the largest weight); an average that missed
     * updates or used another decay is off by about the weights' movement, far more.
     */
    @Test
    void averageOfGMatchesTheCpu() {
        if (AGAINST.equals("cuda")) {
            GpuTests.assumeGpu();
        }
        Setup setup = Setup.dcgan28(0);
        setup = setup.named("average of G 0.9").with(setup.config().toBuilder().emaDecay(0.9f).build());
        try (Backend cpu = CpuBackend.create(); Backend b = other();
                TrainingRun r = new TrainingRun(cpu, setup); TrainingRun g = new TrainingRun(b, setup)) {
            Map<String, float[]> maxDiff = new TreeMap<>();
            List<StepMetrics> ref = new ArrayList<>();
            List<StepMetrics> got = new ArrayList<>();
            for (int s = 1; s <= STEPS; s++) {
                ref.add(r.step(s));
                got.add(g.step(s));
                Map<String, float[]> a = r.generator.stateDict();
                Map<String, float[]> c = g.generator.stateDict();
                for (Map.Entry<String, float[]> e : a.entrySet()) {
                    float[] m = maxDiff.computeIfAbsent(e.getKey(), k -> new float[e.getValue().length]);
                    float[] other = c.get(e.getKey());
                    for (int i = 0; i < m.length; i++) {
                        m[i] = Math.max(m[i], Math.abs(e.getValue()[i] - other[i]));
                    }
                }
            }
            String report = compare(ref, got);
            Map<String, float[]> avgRef = r.trainer.averagedGeneratorState();
            Map<String, float[]> avgGot = g.trainer.averagedGeneratorState();
            double largest = 0;
            for (float[] v : avgRef.values()) {
                for (float x : v) {
                    largest = Math.max(largest, Math.abs(x));
                }
            }
            double slack = 1e-5 * largest;
            StringBuilder bad = new StringBuilder(report);
            for (Map.Entry<String, float[]> e : avgRef.entrySet()) {
                float[] want = e.getValue();
                float[] have = avgGot.get(e.getKey());
                float[] bound = maxDiff.get(e.getKey());
                int wrong = 0;
                for (int i = 0; i < want.length; i++) {
                    if (!(Math.abs(have[i] - want[i]) <= bound[i] + slack)) {
                        if (wrong++ == 0) {
                            bad.append(String.format(Locale.ROOT, "  average %s[%d]: reference %.7g, got %.7g,"
                                    + " allowed %.3g%n", e.getKey(), i, want[i], have[i], bound[i] + slack));
                        }
                    }
                }
                if (wrong > 1) {
                    bad.append("  ... ").append(wrong).append(" values of ").append(e.getKey()).append(" in all\n");
                }
            }
            if (bad.length() > 0) {
                fail(setup.name() + " on " + AGAINST + " left the CPU's trajectory:\n" + bad);
            }
        }
    }

    private static void checkAgainstCpu(Setup setup) {
        checkAgainstCpu(setup, STEPS, 1);
    }

    /** {@code steps} steps of {@code setup} on both backends, compared under {@link #tolerance(int, int, double)}. */
    private static void checkAgainstCpu(Setup setup, int steps, double drift) {
        if (AGAINST.equals("cuda")) {
            GpuTests.assumeGpu();
        }
        List<StepMetrics> ref;
        List<StepMetrics> got;
        try (Backend cpu = CpuBackend.create(); TrainingRun r = new TrainingRun(cpu, setup)) {
            ref = r.run(steps);
        }
        try (Backend b = other(); TrainingRun r = new TrainingRun(b, setup)) {
            got = r.run(steps);
        }
        assertEquals(steps, got.size());
        String report = compare(ref, got, drift);
        if (!report.isEmpty()) {
            fail(setup.name() + " training on " + AGAINST + " left the CPU's trajectory:\n" + report);
        }
    }

    /** The backend under test: CUDA with TF32 off (parity is about fp32), or the CPU stand-in of {@link #AGAINST}. */
    private static Backend other() {
        return switch (AGAINST) {
            case "cuda" -> CudaBackend.create(0, false);
            case "cpu64" -> ReferenceBackend.create();
            case "portable" -> CpuBackend.create(Runtime.getRuntime().availableProcessors(), false);
            default -> CpuBackend.create();
        };
    }

    /** Empty when every metric of every step is within {@link #tolerance}; else one line per mismatch. */
    static String compare(List<StepMetrics> ref, List<StepMetrics> got) {
        return compare(ref, got, 1);
    }

    /** As {@link #compare(List, List)} under {@link #tolerance(int, int, double)}. */
    static String compare(List<StepMetrics> ref, List<StepMetrics> got, double drift) {
        StringBuilder report = new StringBuilder();
        for (int s = 1; s <= ref.size(); s++) {
            double[] r = TrainingRun.values(ref.get(s - 1));
            double[] g = TrainingRun.values(got.get(s - 1));
            for (int k = 0; k < r.length; k++) {
                double allowed = tolerance(k, s, drift) * Math.max(1, Math.abs(r[k]));
                if (!(Math.abs(g[k] - r[k]) <= allowed)) {
                    report.append(String.format(Locale.ROOT, "  step %d %s: reference %.7g, got %.7g, diff %.3g, "
                            + "allowed %.3g%n", s, TrainingRun.NAMES[k], r[k], g[k], Math.abs(g[k] - r[k]), allowed));
                }
            }
        }
        return report.toString();
    }
}
