package org.gan4j.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.gan4j.backend.Activation;
import org.gan4j.backend.ConvParams;
import org.gan4j.tensor.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** Bad arguments are refused with a message naming both shapes; closed backends and tensors fail cleanly. */
class CpuValidationTest {

    private static void assertMessage(Executable call, String... parts) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
        }
    }

    @Test
    void wrongShapesAreRejectedWithBothShapesNamed() {
        try (CpuBackend cpu = CpuBackend.create(1); Tensor a = cpu.allocate(2, 3);
                Tensor b = cpu.allocate(4, 2); Tensor c = cpu.allocate(2, 2)) {
            assertMessage(() -> cpu.gemm(false, false, 1f, a, b, 0f, c), "(2, 3)", "(4, 2)", "(2, 2)");
            try (Tensor x = cpu.allocate(2, 3, 8, 8); Tensor w = cpu.allocate(4, 3, 4, 4);
                    Tensor y = cpu.allocate(2, 4, 5, 5); Tensor wrongCin = cpu.allocate(4, 2, 4, 4)) {
                // 8x8, kernel 4, stride 2, padding 1 gives 4x4, not 5x5.
                assertMessage(() -> cpu.convForward(x, w, ConvParams.of(2, 1), y), "(2, 4, 4, 4)", "(2, 4, 5, 5)");
                assertMessage(() -> cpu.convForward(x, wrongCin, ConvParams.of(2, 1), y), "3", "(4, 2, 4, 4)");
            }
            try (Tensor x = cpu.allocate(4, 3); Tensor y = cpu.allocate(4, 2); Tensor g = cpu.allocate(3)) {
                assertMessage(() -> cpu.biasActivationForward(x, null, Activation.RELU, y), "(4, 3)", "(4, 2)");
                assertMessage(() -> cpu.batchNormEvalForward(x, g, null, g, g, 1e-5f, Activation.RELU, y), "(4, 3)",
                        "(4, 2)");
            }
        }
    }

    @Test
    void mismatchedBatchIsRejected() {
        try (CpuBackend cpu = CpuBackend.create(1); Tensor x = cpu.allocate(4, 3, 8, 8);
                Tensor w = cpu.allocate(2, 3, 3, 3); Tensor dy = cpu.allocate(5, 2, 6, 6);
                Tensor dw = cpu.allocate(2, 3, 3, 3); Tensor logits = cpu.allocate(4); Tensor targets = cpu.allocate(5);
                Tensor loss = cpu.allocate(1)) {
            assertMessage(() -> cpu.convBackwardFilter(x, dy, ConvParams.of(1, 0), dw), "(4, 2, 6, 6)",
                    "(5, 2, 6, 6)");
            assertMessage(() -> cpu.bceWithLogitsLoss(logits, targets, 1f, loss, logits), "(4,)", "(5,)");
        }
    }

    @Test
    void tensorsOfAnotherBackendAreRejected() {
        try (CpuBackend one = CpuBackend.create(1); CpuBackend two = CpuBackend.create(1);
                Tensor a = one.allocate(3); Tensor b = two.allocate(3)) {
            assertMessage(() -> one.copy(a, b), "dst", "(3,)", "not on this");
            assertMessage(() -> one.copyFromHost(new float[4], a), "4", "3");
        }
    }

    @Test
    void badCreationArgumentsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> CpuBackend.create(0));
    }

    @Test
    void closingTwiceIsHarmlessAndUseAfterCloseFailsClearly() {
        CpuBackend cpu = CpuBackend.create(2);
        Tensor t = cpu.allocate(1000);
        cpu.close();
        assertDoesNotThrow(cpu::close);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.fill(1f, t));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> cpu.allocate(3));
        assertThrows(IllegalStateException.class, () -> cpu.newRandom(1));
        t.close();
        assertDoesNotThrow(t::close);
    }

    @Test
    void usingAClosedTensorFailsClearlyInsteadOfCrashing() {
        try (CpuBackend cpu = CpuBackend.create(2)) {
            Tensor a = cpu.allocate(4, 4);
            Tensor b = cpu.allocate(4, 4);
            Tensor c = cpu.allocate(4, 4);
            a.close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> cpu.scale(2f, a));
            assertTrue(e.getMessage().contains("closed"), e.getMessage());
            // The GEMM goes to native code: the closed operand must be caught before it gets there.
            assertThrows(IllegalStateException.class, () -> cpu.gemm(false, false, 1f, a, b, 0f, c));
            assertThrows(IllegalStateException.class, () -> a.toFloatArray());
            b.close();
            c.close();
        }
    }
}
