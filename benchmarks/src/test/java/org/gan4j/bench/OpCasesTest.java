package org.gan4j.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;

import org.gan4j.nn.Conv2d;
import org.gan4j.nn.ConvTranspose2d;
import org.gan4j.nn.Layer;
import org.gan4j.nn.Sequential;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

/** The op benchmark's shape table must be the shapes the models really run. */
class OpCasesTest {

    /** {cin, h, cout, ho} of every convolution primitive the models run, from the layers themselves. */
    private static Set<String> modelConvs() {
        Set<String> out = new HashSet<>();
        for (String m : new String[] {"dcgan28", "dcgan64"}) {
            GanConfig c = new GanConfig(m, 2);
            add(out, c.generator(), c.latentShape());
            add(out, c.discriminator(), c.imageShape());
        }
        return out;
    }

    private static void add(Set<String> out, Sequential net, Shape input) {
        Shape s = input;
        for (Layer l : net.layers()) {
            Shape y = l.outputShape(s);
            if (l instanceof Conv2d) {
                out.add(s.dim(1) + "," + s.dim(2) + "," + y.dim(1) + "," + y.dim(2));
            } else if (l instanceof ConvTranspose2d) {
                // Its primitives are those of the convolution from its output to its input.
                out.add(y.dim(1) + "," + y.dim(2) + "," + s.dim(1) + "," + s.dim(2));
            }
            s = y;
        }
    }

    @Test
    void convCasesAreExactlyTheModelsConvolutionShapes() {
        Set<String> table = new HashSet<>();
        for (OpCases.Conv c : OpCases.CONV.values()) {
            table.add(c.cin() + "," + c.h() + "," + c.cout() + "," + c.y(1).dim(2));
        }
        assertEquals(modelConvs(), table);
    }

    @Test
    void convFlopsAreTwiceTheMultiplyAccumulates() {
        // d28.conv2: x (N, 64, 14, 14), 128 filters of 64x4x4, output 7x7: N*49*128*64*16 MACs.
        assertEquals(2L * 3 * 49 * 128 * 64 * 16, OpCases.CONV.get("d28.conv2").flops(3));
    }

    @Test
    void adamSizesAreTheModelsParameterCounts() {
        // G28: Linear 100*6272 + BN1d 2*6272 + ConvT 128*64*16 + BN2d 2*64 + ConvT 64*16.
        assertEquals(100 * 6272 + 2 * 6272 + 128 * 64 * 16 + 2 * 64 + 64 * 16, OpCases.adamSize("dcgan28.G"));
        // D28: Conv 64*16 + Conv 64*128*16 + BN 2*128 + Linear 6272 + 1.
        assertEquals(64 * 16 + 64 * 128 * 16 + 2 * 128 + 6272 + 1, OpCases.adamSize("dcgan28.D"));
    }

    @Test
    void workIsKnownForEveryOpBenchmarkMethod() {
        boolean[] flops = new boolean[1];
        Map<String, String> conv = Map.of("layer", "d28.conv1", "batch", "64");
        for (String m : new String[] {"convForward", "convBackwardData", "convBackwardFilter"}) {
            assertTrue(OpCases.work(m, conv, flops) > 0 && flops[0], m);
        }
        Map<String, String> bn = Map.of("layer", "d28.bn", "batch", "64");
        assertEquals(8L * 64 * 128 * 49, OpCases.work("batchNormForward", bn, flops));
        assertEquals(16L * 64 * 128 * 49, OpCases.work("batchNormBackward", bn, flops));
        assertEquals(12L * 64, OpCases.work("bceWithLogitsLoss", Map.of("batch", "64"), flops));
        assertEquals(28L * OpCases.adamSize("dcgan64.D"), OpCases.work("adamStep", Map.of("model", "dcgan64.D"),
                flops));
        assertEquals(-1, OpCases.work("noSuchOp", Map.of(), flops));
    }
}
