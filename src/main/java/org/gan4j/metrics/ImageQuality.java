package org.gan4j.metrics;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import org.gan4j.data.Dataset;

/**
 * Quality of generated images measured with a {@link FeatureClassifier} trained on the real data: the class
 * histogram of the generated images against the data's, and a Frechet distance in the classifier's feature space
 * printed beside the same distance between two disjoint halves of the real test split (the floor a perfect
 * generator would reach with these sample sizes).
 *
 * <ul>
 *   <li>{@code generatedHistogram[k]}: generated images the classifier assigns to class k (argmax).</li>
 *   <li>{@code dataHistogram[k]}: the same over the real images A and B, i.e. the histogram is <b>the classifier's
 *       predictions on real images</b>, not the labels, so the classifier's own confusions affect both sides alike.
 *   </li>
 *   <li>{@code klDivergence} = {@code KL(p || q) = sum_k p_k ln(p_k / max(q_k, }{@value #KL_EPSILON}{@code ))} in
 *       nats, with {@code p} the generated and {@code q} the data histogram normalised to sum 1. A class with
 *       {@code p_k = 0} contributes 0 (the limit of {@code p ln p}); the floor on {@code q_k} only acts for a class the
 *       real images never receive, and bounds that class's term by {@code p_k ln(p_k / 1e-6)} instead of infinity.
 *       0 when the generator matches the data's class balance; {@code ln(1/q_c)} (about {@code ln 10 = 2.30} for ten
 *       balanced classes) when every generated image falls in one class c.</li>
 *   <li>{@code frechetDistance} = {@link FrechetDistance} between the features of the generated images and those of
 *       real set A; {@code frechetFloor} = the same between real sets A and B. The estimate is biased upward by a
 *       term that shrinks as 1/n, so compare like with like: give as many generated images as B has.</li>
 * </ul>
 * PyTorch analogue: the "classifier FID" / class-histogram checks used for MNIST-scale GANs, in place of
 * Inception-v3 FID.
 *
 * @param numGenerated            generated images evaluated
 * @param numRealA                real images in set A
 * @param numRealB                real images in set B
 * @param generatedHistogram      counts per class of the generated images
 * @param dataHistogram           counts per class of the classifier's predictions on real sets A and B together
 * @param klDivergence            KL(generated || data) of the normalised histograms, nats
 * @param frechetDistance         FD(generated, real A) in feature space
 * @param frechetFloor            FD(real A, real B): real-vs-real value of the same measure
 * @param classifierTestAccuracy  the classifier's accuracy on the test split (NaN if it was never measured)
 */
public record ImageQuality(int numGenerated, int numRealA, int numRealB, int[] generatedHistogram,
        int[] dataHistogram, double klDivergence, double frechetDistance, double frechetFloor,
        double classifierTestAccuracy) {

    /** Floor applied to the data histogram's probabilities in the KL divergence. */
    public static final double KL_EPSILON = 1e-6;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Scores {@code nGen} generated images against two disjoint sets of real images A and B, all laid out
     * {@code (n, C, H, W)} in [-1, 1] like the classifier's data. Each set needs at least 2 images (a covariance).
     */
    public static ImageQuality evaluate(FeatureClassifier classifier, float[] generated, int nGen, float[] realA,
            int nA, float[] realB, int nB) {
        checkCount(nGen, "generated");
        checkCount(nA, "real A");
        checkCount(nB, "real B");
        int classes = classifier.numClasses();
        FeatureClassifier.Classified genOut = classifier.classify(generated, nGen);
        FeatureClassifier.Classified aOut = classifier.classify(realA, nA);
        FeatureClassifier.Classified bOut = classifier.classify(realB, nB);
        int[] genHist = histogram(genOut.predictions(), classes);
        int[] dataHist = histogram(aOut.predictions(), classes);
        int[] histB = histogram(bOut.predictions(), classes);
        for (int k = 0; k < classes; k++) {
            dataHist[k] += histB[k];
        }
        FrechetDistance.Gaussian gen = FrechetDistance.Gaussian.fit(genOut.features());
        FrechetDistance.Gaussian a = FrechetDistance.Gaussian.fit(aOut.features());
        FrechetDistance.Gaussian b = FrechetDistance.Gaussian.fit(bOut.features());
        return new ImageQuality(nGen, nA, nB, genHist, dataHist, klDivergence(genHist, dataHist),
                FrechetDistance.between(gen, a), FrechetDistance.between(a, b), classifier.testAccuracy());
    }

    /**
     * {@link #evaluate(FeatureClassifier, float[], int, float[], int, float[], int)} with the real sets taken from
     * {@code test}: A = the samples at even indices, B = those at odd indices (disjoint halves, robust to a split
     * that is sorted by class).
     */
    public static ImageQuality evaluate(FeatureClassifier classifier, float[] generated, int nGen, Dataset test) {
        if (!test.sampleShape().equals(classifier.sampleShape())) {
            throw new IllegalArgumentException("the real images have shape " + test.sampleShape()
                    + " but the classifier was trained on " + classifier.sampleShape());
        }
        int sample = test.sampleSize();
        int nA = (test.size() + 1) / 2;
        int nB = test.size() / 2;
        float[] a = new float[nA * sample];
        float[] b = new float[nB * sample];
        for (int i = 0; i < test.size(); i++) {
            if (i % 2 == 0) {
                test.get(i, a, (i / 2) * sample);
            } else {
                test.get(i, b, (i / 2) * sample);
            }
        }
        return evaluate(classifier, generated, nGen, a, nA, b, nB);
    }

    /**
     * {@code KL(p || q)} in nats for counts {@code p} and {@code q} over the same classes, each normalised to sum 1;
     * see the class comment for the handling of zeros.
     */
    public static double klDivergence(int[] p, int[] q) {
        if (p.length != q.length) {
            throw new IllegalArgumentException("histograms must have the same number of classes, got " + p.length
                    + " and " + q.length);
        }
        long pTotal = total(p, "first");
        long qTotal = total(q, "second");
        double kl = 0;
        for (int k = 0; k < p.length; k++) {
            if (p[k] > 0) {
                double pk = p[k] / (double) pTotal;
                double qk = Math.max(q[k] / (double) qTotal, KL_EPSILON);
                kl += pk * Math.log(pk / qk);
            }
        }
        return kl;
    }

    /** Counts of each class in {@code labels}. */
    static int[] histogram(int[] labels, int classes) {
        int[] h = new int[classes];
        for (int c : labels) {
            h[c]++;
        }
        return h;
    }

    /** The record as pretty-printed JSON (component names as keys), for the CLI's {@code eval} command. */
    public String toJson() {
        try {
            return JSON.writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write image-quality JSON", e);
        }
    }

    /** Two lines for logs: the Frechet distance beside its real-vs-real floor, and the class-histogram KL. */
    public String summary() {
        return String.format("Frechet distance %.4f (real-vs-real floor %.4f; %d generated, %d + %d real)%n"
                + "class-histogram KL(generated || data) %.4f nats; classifier test accuracy %.2f%%",
                frechetDistance, frechetFloor, numGenerated, numRealA, numRealB, klDivergence,
                100 * classifierTestAccuracy);
    }

    private static long total(int[] counts, String which) {
        long t = 0;
        for (int c : counts) {
            if (c < 0) {
                throw new IllegalArgumentException("the " + which + " histogram has a negative count " + c);
            }
            t += c;
        }
        if (t == 0) {
            throw new IllegalArgumentException("the " + which + " histogram is empty; KL needs at least one count");
        }
        return t;
    }

    private static void checkCount(int n, String what) {
        if (n < 2) {
            throw new IllegalArgumentException("need at least 2 " + what + " images for a covariance, got " + n);
        }
    }
}
