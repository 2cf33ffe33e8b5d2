package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;

/** The probe's explanations, and (where the kernels are built) that the JNI glue links and returns statuses. */
class CudaProbeTest {

    @Test
    void deviceCountStatusesAreExplained() {
        assertTrue(CudaProbe.deviceCountReason(35).startsWith("no NVIDIA driver, or one too old"));
        assertTrue(CudaProbe.deviceCountReason(100).startsWith("no CUDA device"));
        assertTrue(CudaProbe.deviceCountReason(803).contains("do not match"));
        assertTrue(CudaProbe.deviceCountReason(804).contains("forward-compatibility"));
        assertEquals("cudaGetDeviceCount failed with CUDA error 999", CudaProbe.deviceCountReason(999));
    }

    @Test
    void loaderFailuresAreClassified() {
        UnsatisfiedLinkError driver = new UnsatisfiedLinkError("/tmp/libjnicudart.so: libcuda.so.1: cannot open "
                + "shared object file: No such file or directory");
        assertTrue(CudaProbe.librariesReason(driver).startsWith("no NVIDIA driver (libcuda.so.1 not found)"));
        UnsatisfiedLinkError runtime = new UnsatisfiedLinkError("libcudart.so.13: cannot open shared object file");
        assertTrue(CudaProbe.librariesReason(runtime).startsWith("CUDA libraries missing (libcudart.so.13"));
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class cudart");
        later.initCause(driver);
        assertTrue(CudaProbe.librariesReason(later).startsWith("no NVIDIA driver"),
                "the cause chain is read: " + CudaProbe.librariesReason(later));
    }

    /**
     * Where the kernels were built but no GPU is usable, the launchers still link and load (they need only
     * libcudart), and a launch returns an error status instead of crashing or exiting.
     */
    @Test
    void launchersReturnAStatusWithoutAGpu() {
        assumeTrue(Boolean.getBoolean("gan4j.native.expected"), "built without the cuda profile (no nvcc)");
        assumeFalse(GpuTests.gpuUsable(), "a GPU is usable: a launch here would run");
        int status;
        try {
            status = CudaKernels.gan4j_fill(1f, new DevicePointer(0), 16, null);
        } catch (UnsatisfiedLinkError e) {
            assumeTrue(false, "libcudart.so.13 not loadable here: " + e.getMessage());
            return;
        }
        assertNotEquals(0, status, "a launch without a driver must fail with a status");
        assertEquals(0, CudaKernels.gan4j_fill(1f, new DevicePointer(0), 0, null), "n = 0 launches nothing");
        assertTrue(CudaKernels.gan4j_scratch_bytes(100) >= 8L * (2 * 8192 + 4 * 100));
    }
}
