package org.gan4j.nn;

/** {@link BatchNorm} over {@code (N, C)}; PyTorch {@code nn.BatchNorm1d(C)} (2-D input only). */
public final class BatchNorm1d extends BatchNorm {
    /** eps 1e-5, momentum 0.1. */
    public BatchNorm1d(int channels) {
        this(channels, 1e-5f, 0.1f);
    }

    public BatchNorm1d(int channels, float eps, float momentum) {
        super(channels, 2, eps, momentum);
    }
}
