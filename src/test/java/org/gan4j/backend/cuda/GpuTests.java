package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.gan4j.backend.Backends;

/**
 * The switch every GPU test goes through: a test that needs CUDA calls {@link #assumeGpu()}, which skips it where
 * CUDA is not usable, unless {@code -Dgan4j.gpu.required=true} (set by {@code scripts/gpu-check.sh run}), where a
 * skip becomes a failure, so a silent skip cannot pass for a green GPU run.
 */
public final class GpuTests {
    public static final String REQUIRED_PROPERTY = "gan4j.gpu.required";

    private GpuTests() {
    }

    public static boolean gpuUsable() {
        return Backends.status("cuda").usable();
    }

    public static void assumeGpu() {
        if (gpuUsable()) {
            return;
        }
        String reason = Backends.status("cuda").reason();
        if (Boolean.getBoolean(REQUIRED_PROPERTY)) {
            fail(REQUIRED_PROPERTY + "=true but CUDA is not usable: " + reason);
        }
        assumeTrue(false, "CUDA not usable: " + reason);
    }
}
