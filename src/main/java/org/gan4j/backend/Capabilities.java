package org.gan4j.backend;

import java.util.Set;

/**
 * What a backend offers beyond the ops every {@link Backend} has; callers ask here instead of testing the backend's
 * class ({@link Backend#capabilities()}).
 *
 * @param precisions  the precisions this kind of backend can be opened in ({@link BackendOptions#precision()});
 *                    the one an instance computes in is {@link Backend#precision()}
 * @param layouts     image layouts its convolution and batch-norm ops accept
 * @param stepCapture whether {@link Backend#captureStep(Runnable)} records a sequence of ops once and replays it as
 *                    one launch (a CUDA graph); a backend without it runs every step eagerly
 */
public record Capabilities(Set<Precision> precisions, Set<Layout> layouts, boolean stepCapture) {
    public Capabilities {
        precisions = Set.copyOf(precisions);
        layouts = Set.copyOf(layouts);
    }

    /** The memory order of image tensors. */
    public enum Layout {
        /** Batch, channels, height, width (row-major): the layout of every backend's tensors. */
        NCHW
    }
}
