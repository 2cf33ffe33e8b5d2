package org.gan4j.metrics;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.util.function.IntPredicate;
import org.gan4j.data.Dataset;
import org.gan4j.data.IdxDataset;
import org.gan4j.tensor.Shape;

/** Test helpers: Fashion-MNIST when installed, contiguous subsets, and flattening samples into arrays. */
final class ImageSets {
    private ImageSets() {
    }

    /** Fashion-MNIST's training or test split; skips the calling test when the files are not installed. */
    static Dataset fashionMnist(boolean train) {
        assumeTrue(Files.isDirectory(IdxDataset.FASHION_MNIST_DIR),
                "Fashion-MNIST is not installed at " + IdxDataset.FASHION_MNIST_DIR);
        return IdxDataset.fromDirectory(IdxDataset.FASHION_MNIST_DIR, train);
    }

    /** Samples {@code from .. from + count - 1} of {@code data}. */
    static Dataset subset(Dataset data, int from, int count) {
        if (from < 0 || count < 1 || from + count > data.size()) {
            throw new IllegalArgumentException("subset [" + from + ", " + (from + count) + ") of " + data.size());
        }
        return new Dataset() {
            @Override
            public int size() {
                return count;
            }

            @Override
            public Shape sampleShape() {
                return data.sampleShape();
            }

            @Override
            public void get(int index, float[] dst, int dstOffset) {
                data.get(from + index, dst, dstOffset);
            }

            @Override
            public boolean hasLabels() {
                return data.hasLabels();
            }

            @Override
            public int label(int index) {
                return data.label(from + index);
            }

            @Override
            public int numClasses() {
                return data.numClasses();
            }

            @Override
            public String description() {
                return data.description() + " [" + from + ", " + (from + count) + ")";
            }
        };
    }

    /** The samples of {@code data} whose index passes {@code keep}, concatenated (n, C, H, W). */
    static float[] flatten(Dataset data, IntPredicate keep) {
        int n = 0;
        for (int i = 0; i < data.size(); i++) {
            n += keep.test(i) ? 1 : 0;
        }
        int sample = data.sampleSize();
        float[] out = new float[n * sample];
        int j = 0;
        for (int i = 0; i < data.size(); i++) {
            if (keep.test(i)) {
                data.get(i, out, j++ * sample);
            }
        }
        return out;
    }

    /** Every sample of {@code data}, concatenated. */
    static float[] flatten(Dataset data) {
        return flatten(data, i -> true);
    }
}
