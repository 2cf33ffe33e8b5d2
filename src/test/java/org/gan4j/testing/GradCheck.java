package org.gan4j.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

import org.gan4j.backend.Activation;
import org.gan4j.nn.ActivationLayer;
import org.gan4j.nn.FusableLayer;
import org.gan4j.nn.Layer;
import org.gan4j.nn.Model;
import org.gan4j.nn.Parameter;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.DType;
import org.gan4j.tensor.Tensor;

/**
 * Finite-difference gradient checks in double precision, for tests on a {@code ReferenceBackend.create()}.
 *
 * <p>An objective {@code f} is a scalar function of the current values of some tensors (it runs a forward pass and
 * reduces the output, e.g. {@code sum(out * w)} for fixed random {@code w}). For a tensor {@code t} with analytic
 * gradient {@code g = df/dt}:
 * <ul>
 *   <li>{@link #checkFull}: every element, {@code (f(t + eps e_i) - f(t - eps e_i)) / (2 eps)} against {@code g_i};
 *   <li>{@link #checkDirections}: random unit directions {@code v}, {@code (f(t + eps v) - f(t - eps v)) / (2 eps)}
 *       against {@code <g, v>} (for large tensors: one direction costs two forwards, whatever the size);
 *   <li>{@link #check}: full up to {@link #FULL_CHECK_MAX} elements, else {@link #DIRECTIONS} random directions;
 *   <li>{@link #checkModel}: the input and every parameter of a {@link Model}.
 * </ul>
 * Central differences with {@code eps = 1e-6} in double have a truncation error of order {@code eps^2 f'''} ~ 1e-12
 * and a rounding error of order {@code 1e-16 |f| / eps} ~ 1e-10 |f|; tests choose tolerances above that and say why.
 * A value passes when {@code |fd - analytic| <= atol + rtol * max(|fd|, |analytic|)}. Each perturbation is undone
 * before the next, so the tensor ends with its original values.
 *
 * <p><b>Kinks.</b> ReLU and LeakyReLU are not differentiable at 0; a central difference whose two points lie on
 * either side of a kink measures an average of two slopes, not the derivative. An objective may report its
 * <em>activation pattern</em> (which ReLU-like outputs are positive, see {@link Point}); a perturbation that changes
 * the pattern crossed a kink, and is set aside: such an element is skipped (at most {@link #MAX_SKIPPED_SHARE} of
 * them, else the check fails), such a direction is replaced by a fresh one. {@link #checkModel} records the pattern
 * of every ReLU/LeakyReLU (fused or separate) in a network of {@link Sequential}s.
 */
public final class GradCheck {
    /** Step of the central differences. */
    public static final double EPS = 1e-6;
    /** Tensors up to this many elements are checked element by element. */
    public static final int FULL_CHECK_MAX = 400;
    /** Random directions checked for larger tensors. */
    public static final int DIRECTIONS = 3;
    /** Largest share of elements a full check may skip because their perturbation crosses a kink. */
    public static final double MAX_SKIPPED_SHARE = 0.05;

    /** A value of the objective and, optionally, its activation pattern (null when not tracked). */
    public record Point(double value, boolean[] pattern) {
    }

    /** An objective that reports its activation pattern with its value. */
    @FunctionalInterface
    public interface Probe {
        Point at();
    }

    private GradCheck() {
    }

    /** Full check for small tensors, random directions for large ones (seeded by {@code seed}). */
    public static void check(String name, Tensor t, double[] analytic, DoubleSupplier f, double rtol, double atol,
            long seed) {
        check(name, t, analytic, smooth(f), rtol, atol, seed, FULL_CHECK_MAX);
    }

    /** Full check up to {@code fullCheckMax} elements, random directions above. */
    public static void check(String name, Tensor t, double[] analytic, Probe f, double rtol, double atol, long seed,
            int fullCheckMax) {
        if (t.size() <= fullCheckMax) {
            checkFull(name, t, analytic, f, rtol, atol);
        } else {
            checkDirections(name, t, analytic, f, DIRECTIONS, seed, rtol, atol);
        }
    }

    /** Compares every element of {@code analytic} with a central difference of {@code f} in that element. */
    public static void checkFull(String name, Tensor t, double[] analytic, DoubleSupplier f, double rtol,
            double atol) {
        checkFull(name, t, analytic, smooth(f), rtol, atol);
    }

    /** As {@link #checkFull(String, Tensor, double[], DoubleSupplier, double, double)}, skipping kink crossings. */
    public static void checkFull(String name, Tensor t, double[] analytic, Probe f, double rtol, double atol) {
        requireF64(name, t);
        requireLength(name, t, analytic);
        double[] x0 = t.toDoubleArray();
        double[] x = x0.clone();
        boolean[] pattern0 = f.at().pattern();
        List<String> bad = new ArrayList<>();
        int badCount = 0;
        int skipped = 0;
        for (int i = 0; i < x.length; i++) {
            x[i] = x0[i] + EPS;
            Point p = eval(t, x, f);
            x[i] = x0[i] - EPS;
            Point m = eval(t, x, f);
            x[i] = x0[i];
            if (!Arrays.equals(pattern0, p.pattern()) || !Arrays.equals(pattern0, m.pattern())) {
                skipped++;
                continue;
            }
            double fd = (p.value() - m.value()) / (2 * EPS);
            double tol = atol + rtol * Math.max(Math.abs(fd), Math.abs(analytic[i]));
            if (!(Math.abs(fd - analytic[i]) <= tol)) {
                badCount++;
                if (bad.size() < 5) {
                    bad.add(String.format("[%d] finite difference %.10g, analytic %.10g, |diff| %.3g > tol %.3g",
                            i, fd, analytic[i], Math.abs(fd - analytic[i]), tol));
                }
            }
        }
        t.backend().copyFromHost(x0, t);
        if (badCount > 0) {
            throw new AssertionError("gradient of " + name + " " + t.shape() + " is wrong at " + badCount + " of "
                    + (x.length - skipped) + " checked elements (rtol " + rtol + ", atol " + atol + ", eps " + EPS
                    + "); first: " + String.join("; ", bad));
        }
        if (skipped > MAX_SKIPPED_SHARE * x.length) {
            throw new AssertionError("gradient of " + name + " " + t.shape() + ": " + skipped + " of " + x.length
                    + " perturbations cross a ReLU kink, more than " + MAX_SKIPPED_SHARE + " of them: the check is"
                    + " meaningless at this point; choose other inputs");
        }
    }

    /**
     * Compares {@code <analytic, v>} with the central difference of {@code f} along {@code count} random unit
     * directions {@code v} (Gaussian, normalised; seeded by {@code seed}).
     */
    public static void checkDirections(String name, Tensor t, double[] analytic, DoubleSupplier f, int count,
            long seed, double rtol, double atol) {
        checkDirections(name, t, analytic, smooth(f), count, seed, rtol, atol);
    }

    /**
     * As {@link #checkDirections(String, Tensor, double[], DoubleSupplier, int, long, double, double)}; a direction
     * whose segment crosses a kink is replaced by a fresh one (at most {@code 4 * count} draws in all).
     */
    public static void checkDirections(String name, Tensor t, double[] analytic, Probe f, int count, long seed,
            double rtol, double atol) {
        requireF64(name, t);
        requireLength(name, t, analytic);
        double[] x0 = t.toDoubleArray();
        double[] x = new double[x0.length];
        boolean[] pattern0 = f.at().pattern();
        SplittableRandom rng = new SplittableRandom(seed);
        List<String> bad = new ArrayList<>();
        int done = 0;
        int drawn = 0;
        while (done < count && drawn < 4 * count) {
            drawn++;
            double[] v = unitDirection(rng, x0.length);
            double directional = 0;
            for (int i = 0; i < x0.length; i++) {
                directional += analytic[i] * v[i];
            }
            for (int i = 0; i < x0.length; i++) {
                x[i] = x0[i] + EPS * v[i];
            }
            Point p = eval(t, x, f);
            for (int i = 0; i < x0.length; i++) {
                x[i] = x0[i] - EPS * v[i];
            }
            Point m = eval(t, x, f);
            if (!Arrays.equals(pattern0, p.pattern()) || !Arrays.equals(pattern0, m.pattern())) {
                continue;
            }
            done++;
            double fd = (p.value() - m.value()) / (2 * EPS);
            double tol = atol + rtol * Math.max(Math.abs(fd), Math.abs(directional));
            if (!(Math.abs(fd - directional) <= tol)) {
                bad.add(String.format("direction %d: finite difference %.10g, <grad, v> %.10g, |diff| %.3g > tol %.3g",
                        drawn - 1, fd, directional, Math.abs(fd - directional), tol));
            }
        }
        t.backend().copyFromHost(x0, t);
        if (!bad.isEmpty()) {
            throw new AssertionError("gradient of " + name + " " + t.shape() + " is wrong along " + bad.size()
                    + " of " + done + " random directions (rtol " + rtol + ", atol " + atol + ", eps " + EPS + "): "
                    + String.join("; ", bad));
        }
        if (done < count) {
            throw new AssertionError("gradient of " + name + " " + t.shape() + ": " + (drawn - done) + " of "
                    + drawn + " random directions cross a ReLU kink; the check is meaningless at this point");
        }
    }

    /**
     * Checks a whole model against the objective {@code sum(forward(x) * w)} for fixed random {@code w}: the
     * gradient with respect to the input {@code x} (when {@code checkInput}) and every parameter, each with
     * {@link #check}, skipping perturbations that cross a ReLU/LeakyReLU kink. The model's mode (train/eval) is left
     * as the caller set it; {@code beforeForward} runs before every forward (e.g. to rewind the random stream so
     * dropout draws the same mask), may be null.
     */
    public static void checkModel(Model model, Tensor x, boolean checkInput, double rtol, double atol, long seed,
            Runnable beforeForward) {
        checkModel(model, x, checkInput, rtol, atol, seed, beforeForward, FULL_CHECK_MAX);
    }

    /**
     * As {@link #checkModel(Model, Tensor, boolean, double, double, long, Runnable)}, checking tensors of up to
     * {@code fullCheckMax} elements element by element and larger ones along {@link #DIRECTIONS} random directions
     * (0: directions only, for whole networks where a forward is not cheap).
     */
    public static void checkModel(Model model, Tensor x, boolean checkInput, double rtol, double atol, long seed,
            Runnable beforeForward, int fullCheckMax) {
        requireF64("model input", x);
        Runnable before = beforeForward == null ? () -> { } : beforeForward;
        before.run();
        Tensor out = model.forward(x);
        double[] y0 = out.toDoubleArray();
        double[] w = gaussian(new SplittableRandom(seed), out.size());
        Tensor dy = model.backend().allocate(out.shape());
        try {
            model.backend().copyFromHost(w, dy);
            model.zeroGrad();
            Tensor dx = model.backwardToInput(dy);
            double[] dxHost = dx.toDoubleArray();
            Map<String, Parameter> params = model.namedParameters();
            List<double[]> grads = new ArrayList<>();
            for (Parameter p : params.values()) {
                grads.add(p.grad().toDoubleArray());
            }
            Probe f = () -> {
                before.run();
                List<boolean[]> patterns = new ArrayList<>();
                double[] y = traceForward(model.root(), x, patterns).toDoubleArray();
                return new Point(dot(y, w), concat(patterns));
            };
            before.run();
            double[] traced = traceForward(model.root(), x, new ArrayList<>()).toDoubleArray();
            if (!Arrays.equals(y0, traced)) {
                throw new AssertionError("the layer-by-layer forward used to track ReLU kinks differs from "
                        + "Model.forward: a stochastic layer whose stream beforeForward does not rewind, or a "
                        + "Sequential plan other than GradCheck assumes");
            }
            if (checkInput) {
                check("input", x, dxHost, f, rtol, atol, seed + 1, fullCheckMax);
            }
            int k = 0;
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                check(e.getKey(), e.getValue().value(), grads.get(k++), f, rtol, atol, seed + 2 + k, fullCheckMax);
            }
        } finally {
            dy.close();
        }
    }

    /**
     * Runs {@code model} on {@code x} as {@link Model#forward} does, leaving every layer ready for a backward, and
     * returns the activation pattern ({@code y > 0} of every ReLU/LeakyReLU output), for {@link Probe}s of objectives
     * that go on from the forward (e.g. through a backward).
     */
    public static boolean[] tracedForward(Model model, Tensor x) {
        List<boolean[]> patterns = new ArrayList<>();
        traceForward(model.root(), x, patterns);
        return concat(patterns);
    }

    /**
     * Runs {@code layer} on {@code x} as {@link Sequential#forward} does (a {@link FusableLayer} that carries a
     * fused activation skips the {@link ActivationLayer} after it), adding the pattern {@code y > 0} of every
     * ReLU/LeakyReLU output to {@code patterns}.
     */
    private static Tensor traceForward(Layer layer, Tensor x, List<boolean[]> patterns) {
        if (layer instanceof Sequential s) {
            List<Layer> layers = s.layers();
            Tensor h = x;
            for (int i = 0; i < layers.size(); i++) {
                Layer l = layers.get(i);
                h = traceForward(l, h, patterns);
                if (l instanceof FusableLayer f && f.fusedActivation() != Activation.IDENTITY
                        && i + 1 < layers.size() && layers.get(i + 1) instanceof ActivationLayer) {
                    i++;
                }
            }
            return h;
        }
        Tensor y = layer.forward(x);
        Activation act = layer instanceof FusableLayer f ? f.fusedActivation()
                : layer instanceof ActivationLayer a ? a.activation() : Activation.IDENTITY;
        if (act.kind() == Activation.Kind.RELU || act.kind() == Activation.Kind.LEAKY_RELU) {
            double[] v = y.toDoubleArray();
            boolean[] positive = new boolean[v.length];
            for (int i = 0; i < v.length; i++) {
                positive[i] = v[i] > 0;
            }
            patterns.add(positive);
        }
        return y;
    }

    private static boolean[] concat(List<boolean[]> parts) {
        int n = 0;
        for (boolean[] p : parts) {
            n += p.length;
        }
        boolean[] out = new boolean[n];
        int at = 0;
        for (boolean[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    /** {@code sum_i a_i b_i}. */
    public static double dot(double[] a, double[] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("dot of " + a.length + " and " + b.length + " values");
        }
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** {@code n} draws of N(0, 1) (Box-Muller over a seeded Java generator, independent of any backend). */
    public static double[] gaussian(SplittableRandom rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i += 2) {
            double r = Math.sqrt(-2 * Math.log(1 - rng.nextDouble()));
            double a = 2 * Math.PI * rng.nextDouble();
            v[i] = r * Math.cos(a);
            if (i + 1 < n) {
                v[i + 1] = r * Math.sin(a);
            }
        }
        return v;
    }

    private static Probe smooth(DoubleSupplier f) {
        return () -> new Point(f.getAsDouble(), null);
    }

    private static double[] unitDirection(SplittableRandom rng, int n) {
        double[] v = gaussian(rng, n);
        double norm = Math.sqrt(dot(v, v));
        for (int i = 0; i < n; i++) {
            v[i] /= norm;
        }
        return v;
    }

    private static Point eval(Tensor t, double[] values, Probe f) {
        t.backend().copyFromHost(values, t);
        return f.at();
    }

    private static void requireF64(String name, Tensor t) {
        if (t.dtype() != DType.F64) {
            throw new IllegalArgumentException("gradient check of " + name + " needs an F64 tensor (a perturbation "
                    + "of 1e-6 is lost in float rounding), got " + t.dtype() + "; use ReferenceBackend.create()");
        }
    }

    private static void requireLength(String name, Tensor t, double[] analytic) {
        if (analytic.length != t.size()) {
            throw new IllegalArgumentException("gradient check of " + name + ": analytic gradient has "
                    + analytic.length + " values, tensor " + t.shape() + " has " + t.size());
        }
    }
}
