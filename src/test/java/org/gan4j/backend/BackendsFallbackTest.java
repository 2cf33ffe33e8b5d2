package org.gan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.CpuBackendProvider;
import org.junit.jupiter.api.Test;

/**
 * The backend decision for the GPU failures this machine cannot show for real (reliability issue: no GPU, broken
 * GPU), through {@link Backends#choose} with a CUDA provider whose probe answer and constructor are played by the test: a
 * driver too old (the reason {@code CudaProbe} gives for status 35, see CudaProbeTest), no device, and a device that
 * passes the probe but is out of memory when the backend starts. Auto mode falls back to the CPU with exactly one
 * line naming the cause; forced CUDA throws with a message naming it. The case "CUDA libraries absent" is this
 * machine's real state and is covered by BackendsTest.
 */
class BackendsFallbackTest {
    private static final String TOO_OLD = "no NVIDIA driver, or one too old for CUDA 13 (cudaGetDeviceCount returned "
            + "35, cudaErrorInsufficientDriver); install driver 580 or newer";
    private static final String NO_DEVICE = "no CUDA device (cudaGetDeviceCount returned 100, cudaErrorNoDevice)";
    private static final String GPU = "NVIDIA H100 (sm_90), CUDA driver 13.0, cuDNN 91300";
    private static final String OOM = "out of GPU memory: cudaMalloc of 20.0 MiB for the cuBLAS workspace failed"
            + " (cudaErrorMemoryAllocation); 3.0 MiB free of 81559.0 MiB. Use a smaller batch size, or free GPU memory"
            + " held by other processes (nvidia-smi).";

    private static final Supplier<Backend> NO_CUDA = () -> {
        throw new AssertionError("CUDA must not be opened when the probe says it cannot run");
    };
    private static final Supplier<Backend> CUDA_OUT_OF_MEMORY = () -> {
        throw new IllegalStateException(OOM);
    };

    /** A {@code cuda} provider answering {@code probe} and opening with {@code open}, beside the real CPU one. */
    private static List<BackendProvider> cuda(boolean usable, String reason, Supplier<Backend> open) {
        BackendProvider fake = new BackendProvider() {
            @Override
            public String name() {
                return "cuda";
            }

            @Override
            public int priority() {
                return 100;
            }

            @Override
            public Availability availability() {
                return new Availability(usable, reason);
            }

            @Override
            public Backend create(BackendOptions options) {
                return open.get();
            }
        };
        return List.of(new CpuBackendProvider(), fake);
    }

    @Test
    void driverTooOldFallsBackWithOneLine() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.choose("auto", cuda(false, TOO_OLD, NO_CUDA), BackendOptions.DEFAULT, log::add)) {
            assertInstanceOf(CpuBackend.class, b);
        }
        assertEquals(List.of("gan4j: using the CPU backend because CUDA is not usable: " + TOO_OLD), log);
    }

    @Test
    void noDeviceFallsBackWithOneLine() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.choose("auto", cuda(false, NO_DEVICE, NO_CUDA), BackendOptions.DEFAULT, log::add)) {
            assertInstanceOf(CpuBackend.class, b);
        }
        assertEquals(List.of("gan4j: using the CPU backend because CUDA is not usable: " + NO_DEVICE), log);
    }

    @Test
    void deviceOutOfMemoryAtStartFallsBackWithOneLine() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.choose("auto", cuda(true, GPU, CUDA_OUT_OF_MEMORY), BackendOptions.DEFAULT,
                log::add)) {
            assertInstanceOf(CpuBackend.class, b);
        }
        assertEquals(List.of("gan4j: using the CPU backend because the CUDA backend could not start on " + GPU + ": "
                + OOM), log);
    }

    @Test
    void forcedCudaNamesTheCause() {
        IllegalStateException old = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda",
                cuda(false, TOO_OLD, NO_CUDA), BackendOptions.DEFAULT, m -> { }));
        assertEquals("the CUDA backend was requested but cannot run here: " + TOO_OLD + ". Use the CPU backend"
                + " (-Dgan4j.backend=cpu) or auto.", old.getMessage());
        IllegalStateException oom = assertThrows(IllegalStateException.class, () -> Backends.choose("cuda",
                cuda(true, GPU, CUDA_OUT_OF_MEMORY), BackendOptions.DEFAULT, m -> { }));
        assertEquals("the CUDA backend was requested but could not start on " + GPU + ": " + OOM + ". Free the GPU"
                + " or use the CPU backend (-Dgan4j.backend=cpu).", oom.getMessage());
    }

    @Test
    void forcedCpuNeverTouchesCuda() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.choose("cpu", cuda(false, TOO_OLD, NO_CUDA), BackendOptions.DEFAULT, log::add)) {
            assertInstanceOf(CpuBackend.class, b);
        }
        assertEquals(List.of(), log);
    }
}
