package org.gan4j.metrics;

import java.util.Locale;

/**
 * How often a classifier assigns a class-conditional generator's samples the class they were drawn for: per class,
 * {@code agreement[k] = #{i : requested_i = k and predicted_i = k} / #{i : requested_i = k}}, and overall, the share
 * of all samples whose predicted class is the requested one. Immutable.
 *
 * @param classes   number of classes K
 * @param requested samples requested per class, length K
 * @param agreed    of those, how many the classifier assigned to their class, length K
 */
public record ClassAgreement(int classes, int[] requested, int[] agreed) {
    /** Counts agreement of {@code predicted} with {@code requested} (same length, labels in {@code [0, classes)}). */
    public static ClassAgreement of(int[] requested, int[] predicted, int classes) {
        if (requested.length != predicted.length || requested.length == 0) {
            throw new IllegalArgumentException("need one prediction per requested class label: " + requested.length
                    + " requested, " + predicted.length + " predicted");
        }
        int[] req = new int[classes];
        int[] ok = new int[classes];
        for (int i = 0; i < requested.length; i++) {
            int k = requested[i];
            if (k < 0 || k >= classes || predicted[i] < 0 || predicted[i] >= classes) {
                throw new IllegalArgumentException("labels must be in [0, " + classes + "), sample " + i
                        + " has requested " + k + ", predicted " + predicted[i]);
            }
            req[k]++;
            if (predicted[i] == k) {
                ok[k]++;
            }
        }
        return new ClassAgreement(classes, req, ok);
    }

    /** Agreement of class {@code k}, or NaN when no sample of it was requested. */
    public double agreement(int k) {
        return requested[k] == 0 ? Double.NaN : (double) agreed[k] / requested[k];
    }

    /** The share of all samples the classifier assigned to their requested class. */
    public double overall() {
        long req = 0;
        long ok = 0;
        for (int k = 0; k < classes; k++) {
            req += requested[k];
            ok += agreed[k];
        }
        return (double) ok / req;
    }

    /** One line, e.g. {@code class agreement 91.2% (per class: 95.0 99.0 ...)}. */
    public String summary() {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "class agreement %.1f%% (per class:",
                100 * overall()));
        for (int k = 0; k < classes; k++) {
            b.append(String.format(Locale.ROOT, " %.1f", 100 * agreement(k)));
        }
        return b.append(")").toString();
    }
}
