package org.gan4j.backend.cpu;

import org.gan4j.tensor.Tensor;

/**
 * The hinge loss and spectral normalisation in double arithmetic over {@link Acc} views, shared by
 * {@link ReferenceBackend} (the F64 spec) and {@link CpuBackend} (F32 storage, the same arithmetic): one
 * implementation of each, as the {@code Backend} contracts state them. Stateless.
 */
final class StabiliserOps {
    /** Smallest norm divided by, as PyTorch's {@code F.normalize} and {@code spectral_norm}. */
    private static final double SPECTRAL_EPS = 1e-12;

    private StabiliserOps() {
    }

    static void hingeLoss(Tensor logits, Tensor targets, float scale, Tensor loss, Tensor dlogits) {
        Acc xa = Acc.of(logits);
        Acc ta = Acc.of(targets);
        Acc da = Acc.of(dlogits);
        int n = logits.size();
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double t = ta.get(i);
            double margin = 1 - t * xa.get(i);
            boolean active = margin > 0;
            sum += active ? margin : 0;
            da.set(i, active ? -scale * t / n : 0);
        }
        Acc.of(loss).set(0, scale * sum / n);
    }

    static void spectralNormForward(Tensor w, Tensor u, Tensor v, boolean update, Tensor sigma, Tensor wsn) {
        Acc wa = Acc.of(w);
        Acc ua = Acc.of(u);
        Acc va = Acc.of(v);
        int out = u.size();
        int k = v.size();
        if (update) {
            double[] t = new double[k];
            for (int i = 0; i < out; i++) {
                double ui = ua.get(i);
                for (int j = 0; j < k; j++) {
                    t[j] += wa.get(i * k + j) * ui;
                }
            }
            normalizeInto(t, va);
        }
        double[] s = new double[out];
        for (int i = 0; i < out; i++) {
            double acc = 0;
            for (int j = 0; j < k; j++) {
                acc += wa.get(i * k + j) * va.get(j);
            }
            s[i] = acc;
        }
        double norm = normalizeInto(s, ua);
        Acc.of(sigma).set(0, norm);
        double inv = 1 / Math.max(norm, SPECTRAL_EPS);
        Acc oa = Acc.of(wsn);
        for (int i = 0, n = w.size(); i < n; i++) {
            oa.set(i, wa.get(i) * inv);
        }
    }

    /** {@code dst = a / max(||a||, eps)}; returns {@code ||a||}. */
    private static double normalizeInto(double[] a, Acc dst) {
        double sq = 0;
        for (double x : a) {
            sq += x * x;
        }
        double norm = Math.sqrt(sq);
        double inv = 1 / Math.max(norm, SPECTRAL_EPS);
        for (int i = 0; i < a.length; i++) {
            dst.set(i, a[i] * inv);
        }
        return norm;
    }

    static void spectralNormBackward(Tensor dwsn, Tensor wsn, Tensor u, Tensor v, Tensor sigma, Tensor dw) {
        Acc ga = Acc.of(dwsn);
        Acc wa = Acc.of(wsn);
        Acc ua = Acc.of(u);
        Acc va = Acc.of(v);
        Acc da = Acc.of(dw);
        int out = u.size();
        int k = v.size();
        double dot = 0;
        for (int i = 0, n = wsn.size(); i < n; i++) {
            dot += ga.get(i) * wa.get(i);
        }
        double inv = 1 / Math.max(Acc.of(sigma).get(0), SPECTRAL_EPS);
        for (int i = 0; i < out; i++) {
            double ui = dot * ua.get(i);
            for (int j = 0; j < k; j++) {
                int e = i * k + j;
                da.set(e, da.get(e) + (ga.get(e) - ui * va.get(j)) * inv);
            }
        }
    }
}
