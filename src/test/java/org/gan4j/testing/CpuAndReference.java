package org.gan4j.testing;

import org.gan4j.backend.cpu.CpuBackend;
import org.gan4j.backend.cpu.ReferenceBackend;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of the tests that run a layer on the fast CPU backend ({@code f32}, one thread, so results do not depend on the
 * machine's core count) and check it against the F64 reference ({@code f64}): both opened once per test class.
 */
public abstract class CpuAndReference {
    protected static CpuBackend f32;
    protected static ReferenceBackend f64;

    @BeforeAll
    static void openBackends() {
        f32 = CpuBackend.create(1);
        f64 = ReferenceBackend.create();
    }

    @AfterAll
    static void closeBackends() {
        f32.close();
        f64.close();
    }
}
