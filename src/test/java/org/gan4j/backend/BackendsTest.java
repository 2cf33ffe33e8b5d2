package org.gan4j.backend;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cuda.CudaBackend;
import org.gan4j.backend.cuda.GpuTests;
import org.junit.jupiter.api.Test;

/** Backend selection: the CPU fallback and its reason, forcing a backend, and the native build's output. */
class BackendsTest {

    /** Whether the NVIDIA driver library exists in the usual places (independent of the probe). */
    private static boolean driverLibraryPresent() {
        for (String dir : new String[] {"/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib", "/lib/x86_64-linux-gnu",
                "/usr/local/cuda/lib64", "/usr/local/cuda/compat"}) {
            if (Files.exists(Path.of(dir, "libcuda.so.1"))) {
                return true;
            }
        }
        String ld = System.getenv("LD_LIBRARY_PATH");
        if (ld != null) {
            for (String dir : ld.split(":")) {
                if (!dir.isEmpty() && Files.exists(Path.of(dir, "libcuda.so.1"))) {
                    return true;
                }
            }
        }
        return false;
    }

    @Test
    void autoFallsBackToCpuWithTheReason() {
        assumeFalse(GpuTests.gpuUsable(), "CUDA is usable here; the fallback cannot happen");
        assumeTrue(System.getProperty(Backends.PROPERTY) == null, "gan4j.backend is set for this run");
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.auto(log::add)) {
            assertInstanceOf(CpuBackend.class, b);
        }
        assertEquals(1, log.size(), "one line explains the fallback: " + log);
        String reason = Backends.status("cuda").reason();
        assertTrue(log.get(0).contains("CPU backend") && log.get(0).contains(reason), log.get(0));
        if (!driverLibraryPresent()) {
            assertTrue(reason.startsWith("no NVIDIA driver (libcuda.so.1 not found)"),
                    "without libcuda.so.1 the reason must say the driver is missing, got: " + reason);
        }
    }

    @Test
    void forcingCudaWhereItCannotRunNamesTheCause() {
        assumeFalse(GpuTests.gpuUsable(), "CUDA is usable here");
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> Backends.create("cuda"));
        assertTrue(e.getMessage().contains(Backends.status("cuda").reason()), e.getMessage());
        assertTrue(e.getMessage().contains("-Dgan4j.backend=cpu"), e.getMessage());
        IllegalStateException direct = assertThrows(IllegalStateException.class, CudaBackend::create);
        assertTrue(direct.getMessage().contains(Backends.status("cuda").reason()), direct.getMessage());
    }

    @Test
    void systemPropertyForcesTheBackend() {
        String old = System.getProperty(Backends.PROPERTY);
        try {
            System.setProperty(Backends.PROPERTY, "cpu");
            List<String> log = new ArrayList<>();
            try (Backend b = Backends.auto(log::add)) {
                assertInstanceOf(CpuBackend.class, b);
            }
            assertEquals(List.of(), log, "a forced CPU backend is not a fallback: nothing to explain");
            if (!GpuTests.gpuUsable()) {
                System.setProperty(Backends.PROPERTY, "cuda");
                assertThrows(IllegalStateException.class, Backends::auto);
            }
        } finally {
            if (old == null) {
                System.clearProperty(Backends.PROPERTY);
            } else {
                System.setProperty(Backends.PROPERTY, old);
            }
        }
    }

    @Test
    void createByName() {
        try (Backend b = Backends.create(" CPU ")) {
            assertInstanceOf(CpuBackend.class, b);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.create("tpu"));
        assertTrue(e.getMessage().contains("'tpu'") && e.getMessage().contains("cpu, cuda or auto"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Backends.create(null));
    }

    @Test
    void providersAreFoundOnTheClassPathByPriority() {
        List<String> names = Backends.providers().stream().map(BackendProvider::name).toList();
        assertEquals(List.of("cuda", "cpu"), names, "both providers are listed in META-INF/services");
        assertTrue(Backends.status("cpu").usable(), Backends.status("cpu").reason());
        assertTrue(!Backends.status("tpu").usable() && Backends.status("tpu").reason().contains("'tpu'"));
    }

    @Test
    void theCpuBackendDeclinesStepCapture() {
        try (Backend b = Backends.create("cpu")) {
            Capabilities c = b.capabilities();
            assertTrue(!c.stepCapture(), "the CPU backend declines step capture");
            assertTrue(c.precisions().contains(b.precision()) && c.layouts().contains(Capabilities.Layout.NCHW));
            UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                    () -> b.captureStep(() -> { }));
            assertTrue(e.getMessage().contains("stepCapture"), e.getMessage());
        }
    }

    @Test
    void probeIsCachedAndGivesAReason() {
        assertNotNull(Backends.status("cuda").reason());
        assertTrue(Backends.status("cuda") == Backends.status("cuda"), "probed once, then the same answer");
    }

    /** With nvcc present the {@code cuda} profile sets gan4j.native.expected and must have built both libraries. */
    @Test
    void nativeBuildPutTheKernelsOnTheClassPath() {
        assumeTrue(Boolean.getBoolean("gan4j.native.expected"), "built without the cuda profile (no nvcc)");
        for (String lib : new String[] {"libgan4j_kernels.so", "libjniCudaKernels.so"}) {
            String resource = "/org/gan4j/backend/cuda/linux-x86_64/" + lib;
            assertNotNull(CudaBackend.class.getResource(resource), "missing " + resource + " (target/classes)");
        }
    }
}
