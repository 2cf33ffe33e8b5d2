package org.gan4j.api;

import java.nio.file.Path;
import java.util.Objects;

import org.gan4j.backend.OutOfDeviceMemoryException;

/**
 * Test helper (public for the CLI tests): a {@link GanTraining} that fails with an injected
 * {@link OutOfDeviceMemoryException} just before step {@code failAt}, through the package-private seam
 * {@link GanTraining#beforeStep}. The CPU backend never runs out of device memory, so this is how the CUDA backend's
 * failure is reproduced without a GPU.
 */
public final class OutOfMemoryInjection {
    private OutOfMemoryInjection() {
    }

    /** Mebibytes as bytes. */
    public static long mib(long n) {
        return n << 20;
    }

    /** What the CUDA backend throws when {@code asked} bytes do not fit: {@code free} free, {@code held} its own. */
    public static OutOfDeviceMemoryException failure(long asked, long free, long held) {
        return new OutOfDeviceMemoryException("out of GPU memory: cudaMalloc of " + OutOfDeviceMemoryException.mib(asked)
                + " for a test failed (cudaErrorMemoryAllocation)", asked, free, mib(81_559), held);
    }

    /**
     * mlp2d on the ring (batch 32, one CPU thread, seed 11), a checkpoint every {@code checkpointEvery} steps, into
     * {@code out}, failing with {@code failure} before step {@code failAt}; 100 steps if it never fails.
     */
    public static GanTraining ring(Path out, long checkpointEvery, long failAt, OutOfDeviceMemoryException failure) {
        Objects.requireNonNull(failure, "failure");
        TrainingConfig config = Runs.ring(out, 100).checkpointEvery(checkpointEvery).build();
        return GanTraining.create(config).beforeStep(step -> {
            if (step == failAt) {
                throw failure;
            }
        });
    }
}
