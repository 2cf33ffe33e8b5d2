package org.gan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.LinkedHashMap;
import java.util.Map;

import org.bytedeco.pytorch.AdamOptions;
import org.bytedeco.pytorch.StringTensorDict;
import org.gan4j.backend.Backend;
import org.gan4j.models.Dcgan28;
import org.gan4j.nn.Model;
import org.junit.jupiter.api.Test;

class LibtorchDcganTest {
    // Tolerance of the Adam checks: p is float32, so its two-step move (about 3e-4) is exact to ~1e-7 relative;
    // 1e-4 relative also covers eps (1e-8 against sqrt(v) of about 0.7) and still tells the two orders (a factor
    // 1.4 apart) apart.
    private static final double REL = 1e-4;

    @Test
    void adamIsPyTorchsDcganOptimiser() {
        double expected = LibtorchDcgan.expectedTwoStepMove(2e-4, 0.5, 0.999);
        assertEquals(expected, LibtorchDcgan.twoStepMove(LibtorchDcgan.adam()), REL * Math.abs(expected));
        LibtorchDcgan.requireDcganBetas();
    }

    @Test
    void betasTupleIsStoredLastElementFirst() {
        // Writing (0.5, 0.999) in reading order gives beta1 = 0.999, beta2 = 0.5: the bug this layout caused.
        AdamOptions naive = new AdamOptions(2e-4);
        naive.betas().put(new double[] {0.5, 0.999});
        naive.eps().put(1e-8);
        double swapped = LibtorchDcgan.expectedTwoStepMove(2e-4, 0.999, 0.5);
        double got = LibtorchDcgan.twoStepMove(naive);
        assertEquals(swapped, got, REL * Math.abs(swapped));
        assertNotEquals(LibtorchDcgan.expectedTwoStepMove(2e-4, 0.5, 0.999), got, 0.1 * Math.abs(swapped));
    }

    @Test
    void dcgan28TensorNamesAndShapesAreGan4js() {
        // LibtorchFmnistRecipe's checkpoints are read by gan4j eval by name: both networks must match Dcgan28's.
        try (Backend cpu = BenchBackends.create("cpu", 1)) {
            assertSameState(new Model(cpu, Dcgan28.generator(), 1).stateDict(), LibtorchDcgan.generator28());
            assertSameState(new Model(cpu, Dcgan28.discriminator(), 1).stateDict(), LibtorchDcgan.discriminator28());
        }
    }

    private static void assertSameState(Map<String, float[]> gan4j, LibtorchDcgan.Net net) {
        Map<String, Long> torch = new LinkedHashMap<>();
        for (StringTensorDict dict : new StringTensorDict[] {net.named_parameters(), net.named_buffers()}) {
            for (long i = 0; i < dict.size(); i++) {
                String name = dict.get(i).key().getString();
                if (!name.endsWith("num_batches_tracked")) {
                    torch.put(name, dict.get(i).value().numel());
                }
            }
        }
        Map<String, Long> ours = new LinkedHashMap<>();
        gan4j.forEach((k, v) -> ours.put(k, (long) v.length));
        assertEquals(new java.util.TreeMap<>(ours), new java.util.TreeMap<>(torch));
    }
}
