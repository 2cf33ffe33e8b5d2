package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.gan4j.backend.Backend;
import org.gan4j.backend.Backends;
import org.gan4j.backend.HostStagingTest;
import org.gan4j.backend.OutOfDeviceMemoryException;
import org.gan4j.backend.RandomState;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.tensor.Shape;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Behaviour of the CUDA backend beyond parity: selection, errors, device-side counters, lifetimes. GPU only. */
class CudaBackendTest {

    @BeforeEach
    void gpu() {
        GpuTests.assumeGpu();
    }

    @Test
    void autoPicksCudaWhenUsable() {
        List<String> log = new ArrayList<>();
        try (Backend b = Backends.auto(log::add)) {
            assertInstanceOf(CudaBackend.class, b);
            assertTrue(b.deviceDescription().contains("cuDNN"), b.deviceDescription());
        }
        assertEquals(List.of(), log);
    }

    @Test
    void roundTripThroughViews() {
        try (CudaBackend b = CudaBackend.create(); Tensor t = b.allocate(5, 3)) {
            assertArrayEquals(new float[15], t.toFloatArray(), "allocate gives zeros");
            float[] v = {1, 2, 3, 4, 5, 6};
            Tensor view = t.view(7, Shape.of(6));
            b.copyFromHost(v, view);
            assertArrayEquals(v, view.toFloatArray());
            assertEquals(4f, b.readScalar(t.view(10, Shape.of(1))));
            assertEquals(0f, b.readScalar(t));
        }
    }

    @Test
    void outOfMemoryNamesTheSizesAndTheFix() {
        try (CudaBackend b = CudaBackend.create()) {
            OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class,
                    () -> DeviceBuffer.allocate(1L << 50, "a test"));
            assertTrue(e.getMessage().contains("out of GPU memory") && e.getMessage().contains("for a test")
                    && e.getMessage().contains(" free of ") && e.getMessage().contains("smaller batch"),
                    e.getMessage());
            assertEquals(1L << 50, e.bytesRequested());
            assertTrue(e.bytesFree() > 0 && e.bytesFree() <= e.bytesTotal(), e.bytesFree() + " of " + e.bytesTotal());
            assertEquals(-1, e.bytesHeld(), "a buffer outside any backend's ledger");
            // Through the backend, for real: tensors of up to 2^30 floats (4 GiB; a tensor holds < 2^31 elements)
            // until the card is full. The one that does not fit fails in cudaMalloc, reports its own size and the
            // bytes the backend held then (everything allocated before it), and leaves nothing behind.
            long held = b.deviceMemoryHeld();
            long free = e.bytesFree();
            int chunk = (int) Math.min(1L << 30, Math.max(1L << 20, free / Float.BYTES / 8)); // ~8 or more tensors
            long chunkBytes = (long) chunk * Float.BYTES;
            long most = free / chunkBytes + 2; // the card cannot hold more than this many
            List<Tensor> filling = new ArrayList<>();
            try {
                OutOfDeviceMemoryException full = assertThrows(OutOfDeviceMemoryException.class, () -> {
                    while (filling.size() < most) {
                        filling.add(b.allocate(chunk));
                    }
                }, "allocated " + most + " tensors of " + chunkBytes + " bytes with " + free + " bytes free");
                assertEquals(chunkBytes, full.bytesRequested());
                assertEquals(held + filling.size() * chunkBytes, full.bytesHeld(), "held = everything before it");
                assertEquals(held + filling.size() * chunkBytes, b.deviceMemoryHeld(), "the failure is not counted");
                assertTrue(full.bytesFree() >= 0 && full.bytesFree() < chunkBytes, "free " + full.bytesFree());
                assertTrue(full.getMessage().contains("a tensor of " + chunk + " floats"), full.getMessage());
                assertTrue(filling.size() >= free / chunkBytes - 1, filling.size() + " tensors fitted");
            } finally {
                filling.forEach(Tensor::close);
            }
            assertEquals(held, b.deviceMemoryHeld(), "closing the tensors gave their bytes back");
            try (Tensor t = b.allocate(4)) { // the backend still works afterwards
                b.fill(3f, t);
                assertEquals(3f, b.readScalar(t));
            }
        }
    }

    /**
     * Batches uploaded through pinned staging (copy stream, device staging, compute stream waiting on the device)
     * reach the ops enqueued after each upload, slot after slot, though nothing synchronises in between: a missing
     * wait or a staging buffer overwritten too early gives a wrong sum. 4 MiB per batch: long enough copies to race.
     */
    @Test
    void hostStagingUploadsInOrderWithoutWaiting() {
        int n = 1 << 20;
        try (CudaBackend b = CudaBackend.create()) {
            long held = b.deviceMemoryHeld();
            float[] got = HostStagingTest.sumOfSixBatches(b, n);
            float[] want = HostStagingTest.expectedSum(n);
            for (int i = 0; i < n; i++) {
                // six float additions of values below 21: within a few ulps of 21 (a wrong batch is off by >= 1)
                if (!(Math.abs(got[i] - want[i]) <= 1e-5f)) {
                    throw new AssertionError("element " + i + ": " + got[i] + " vs " + want[i]);
                }
            }
            assertEquals(held, b.deviceMemoryHeld(), "closing the staging freed its device buffers");
        }
    }

    /** Readback slots (pinned memory, an event each) get the values of their start, not of later ops. 4 MiB. */
    @Test
    void hostReadbackCopiesInStreamOrder() {
        try (CudaBackend b = CudaBackend.create()) {
            assertEquals(0, HostStagingTest.readbackMismatches(b, 1 << 20));
        }
    }

    @Test
    void deviceMemoryHeldCountsLiveAllocations() {
        try (CudaBackend b = CudaBackend.create()) {
            long before = b.deviceMemoryHeld();
            assertTrue(before > 0, "the cuBLAS workspace, scratch and Adam ticket are held from the start");
            long usedBefore = b.deviceMemoryUsed();
            try (Tensor t = b.allocate(1 << 20)) {
                assertEquals(before + (4L << 20), b.deviceMemoryHeld());
                // the device-wide count moves by at least the 4 MiB (rounded up to the allocator's granularity)
                assertTrue(b.deviceMemoryUsed() >= usedBefore + (4L << 20) - (2L << 20),
                        usedBefore + " -> " + b.deviceMemoryUsed());
            }
            assertEquals(before, b.deviceMemoryHeld());
        }
    }

    @Test
    void outOfMemoryFromALibraryCallIsRecognisedToo() {
        try (CudaBackend b = CudaBackend.create()) {
            OutOfDeviceMemoryException e = assertThrows(OutOfDeviceMemoryException.class,
                    () -> CudaException.checkCuda(org.bytedeco.cuda.global.cudart.cudaErrorMemoryAllocation,
                            "cudaGraphInstantiate"));
            assertTrue(e.getMessage().startsWith("out of GPU memory: cudaGraphInstantiate failed"), e.getMessage());
            assertEquals(-1, e.bytesRequested());
            assertTrue(e.bytesFree() > 0, "free " + e.bytesFree());
        }
    }

    @Test
    void launcherFailureBecomesCudaExceptionNamingTheCall() {
        try (CudaBackend b = CudaBackend.create()) {
            int status = CudaKernels.gan4j_mean(new DevicePointer(0), 0, CudaKernels.ActivationKind.IDENTITY, 0f, null, null,
                    null); // n = 0 is refused before any launch
            CudaException e = assertThrows(CudaException.class, () -> CudaException.checkCuda(status, "gan4j_mean"));
            assertTrue(e.getMessage().startsWith("gan4j_mean failed: 1 cudaErrorInvalidValue"), e.getMessage());
            assertEquals("gan4j_mean", e.call());
        }
    }

    @Test
    void adamStepCountLivesOnTheDevice() {
        int n = 3_576_704; // many blocks: the last-block ticket must reset for the next step
        try (CudaBackend b = CudaBackend.create(); Tensor g = b.allocate(n); Tensor p = b.allocate(n);
                Tensor m = b.allocate(n); Tensor v = b.allocate(n); Tensor step = b.allocate(1)) {
            b.fill(1f, g);
            for (int i = 0; i < 5; i++) {
                b.adamStep(g, 1e-3f, 0.9f, 0.999f, 1e-8f, 0f, p, m, v, step);
            }
            assertEquals(5f, b.readScalar(step));
            // a constant gradient: Adam moves every parameter by lr per step (bias-corrected m/sqrt(v) = 1)
            float[] after = p.toFloatArray();
            assertEquals(-5e-3f, after[0], 1e-7f);
            assertEquals(-5e-3f, after[n - 1], 1e-7f);
        }
    }

    @Test
    void randomCounterAdvancesOnTheDevice() {
        try (CudaBackend b = CudaBackend.create(); RandomState r = b.newRandom(1); Tensor t = b.allocate(1001)) {
            b.randomNormal(r, 0f, 1f, t);
            assertEquals(251, r.counter(), "ceil(1001 / 4) blocks");
            b.fillTargets(r, 1f, 0f, 0f, 0f, t);
            assertEquals(251 + 501, r.counter(), "ceil(1001 / 2) blocks");
            r.setCounter(1L << 40);
            assertEquals(1L << 40, r.counter());
        }
    }

    @Test
    void foreignRandomStateAndClosedBackendAreRejected() {
        CudaBackend b = CudaBackend.create();
        try (CpuBackend cpu = CpuBackend.create(); RandomState r = cpu.newRandom(1); Tensor t = b.allocate(4)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.randomNormal(r, 0, 1, t));
            assertTrue(e.getMessage().contains("newRandom"), e.getMessage());
        }
        Tensor t = b.allocate(4);
        t.close();
        b.close();
        b.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> b.allocate(4));
    }

    @Test
    void precisionIsAnOption() {
        try (CudaBackend on = CudaBackend.create(0, true); CudaBackend off = CudaBackend.create(0, false);
                CudaBackend bf16 = CudaBackend.create(0, org.gan4j.backend.Precision.BF16, false)) {
            assertTrue(on.tf32() && on.deviceDescription().endsWith("precision tf32"), on.deviceDescription());
            assertTrue(!off.tf32() && off.deviceDescription().endsWith("precision fp32"), off.deviceDescription());
            assertEquals(org.gan4j.backend.Precision.FP32, off.precision());
            assertTrue(!bf16.tf32() && bf16.deviceDescription().endsWith("precision bf16"), bf16.deviceDescription());
            assertEquals(org.gan4j.backend.Precision.BF16, bf16.precision());
            assertTrue(bf16.capabilities().precisions().containsAll(java.util.EnumSet.allOf(
                    org.gan4j.backend.Precision.class)));
        }
    }
}
