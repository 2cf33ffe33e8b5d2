package org.gan4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.FloatBuffer;
import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;

/**
 * {@link HostStaging}'s cycle and {@link HostReadback}'s order on the CPU backend (the default, array-backed staging): what is written to a buffer
 * is what the ops after its upload see, slot after slot; bad slots and destinations are refused before any copy.
 * The CUDA staging and readback are tested the same way in {@code CudaBackendTest}.
 */
public class HostStagingTest {

    /** Fills buffer {@code slot} with batch {@code k}'s values: k + i / 1000. */
    public static void write(HostStaging s, int slot, int k) {
        s.awaitWritable(slot);
        FloatBuffer b = s.buffer(slot);
        for (int i = 0; i < s.floats(); i++) {
            b.put(i, k + i / 1000f);
        }
    }

    /** Uploads batches 0..5 through three slots in turn, adding each into {@code sum} right after its upload. */
    public static float[] sumOfSixBatches(Backend backend, int floats) {
        try (HostStaging s = backend.newHostStaging(3, floats); Tensor dst = backend.allocate(floats);
                Tensor sum = backend.allocate(floats)) {
            for (int k = 0; k < 6; k++) {
                write(s, k % 3, k);
                s.upload(k % 3, dst);
                backend.axpy(1f, dst, sum);
            }
            return sum.toFloatArray();
        }
    }

    /** 0 + 1 + ... + 5 plus six times i / 1000, each value exact in float. */
    public static float[] expectedSum(int floats) {
        float[] e = new float[floats];
        for (int i = 0; i < floats; i++) {
            e[i] = 15f + 6 * (i / 1000f);
        }
        return e;
    }

    /**
     * {@link HostReadback}: each slot gets the tensor's values as of its start, though later ops overwrite the
     * tensor before anything is collected; returns the number of mismatches (0 expected).
     */
    public static int readbackMismatches(Backend backend, int floats) {
        int bad = 0;
        try (HostReadback r = backend.newHostReadback(2, floats); Tensor t = backend.allocate(floats)) {
            backend.fill(1f, t);
            r.start(0, t);
            backend.fill(2f, t);
            r.start(1, t);
            backend.fill(3f, t);
            float[] v = new float[floats];
            for (int slot = 0; slot < 2; slot++) {
                r.finish(slot, v);
                for (float x : v) {
                    bad += x == slot + 1 ? 0 : 1;
                }
            }
            bad += backend.readScalar(t) == 3f ? 0 : 1;
        }
        return bad;
    }

    @Test
    void readbackSlotsHoldTheValuesOfTheirStart() {
        try (CpuBackend cpu = CpuBackend.create()) {
            assertEquals(0, readbackMismatches(cpu, 1000));
        }
    }

    @Test
    void uploadsReachTheOpsThatFollowThem() {
        try (CpuBackend cpu = CpuBackend.create()) {
            int n = 1000;
            float[] got = sumOfSixBatches(cpu, n);
            float[] want = expectedSum(n);
            for (int i = 0; i < n; i++) {
                // six float additions of values below 21: within a few ulps of 21
                assertTrue(Math.abs(got[i] - want[i]) <= 1e-5f, i + ": " + got[i] + " vs " + want[i]);
            }
        }
    }

    @Test
    void badSlotsAndDestinationsAreRefused() {
        try (CpuBackend cpu = CpuBackend.create(); HostStaging s = cpu.newHostStaging(2, 4);
                Tensor wrong = cpu.allocate(5); Tensor right = cpu.allocate(4)) {
            assertThrows(IndexOutOfBoundsException.class, () -> s.buffer(2));
            assertThrows(IndexOutOfBoundsException.class, () -> s.awaitWritable(-1));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.upload(0, wrong));
            assertTrue(e.getMessage().contains("4 values"), e.getMessage());
            s.buffer(1).put(0, new float[] {1, 2, 3, 4});
            s.upload(1, right);
            assertArrayEquals(new float[] {1, 2, 3, 4}, right.toFloatArray());
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (CpuBackend cpu = CpuBackend.create()) {
                cpu.newHostStaging(0, 4);
            }
        });
    }
}
