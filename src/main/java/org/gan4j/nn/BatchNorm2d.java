package org.gan4j.nn;

/** {@link BatchNorm} over {@code (N, C, H, W)}, statistics over N, H and W; PyTorch {@code nn.BatchNorm2d(C)}. */
public final class BatchNorm2d extends BatchNorm {
    /** eps 1e-5, momentum 0.1. */
    public BatchNorm2d(int channels) {
        this(channels, 1e-5f, 0.1f);
    }

    public BatchNorm2d(int channels, float eps, float momentum) {
        super(channels, 4, eps, momentum);
    }
}
