package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.gan4j.backend.Activation;
import org.junit.jupiter.api.Test;

/**
 * The Java side of the kernels' C enums agrees with the header, without a GPU: {@link CudaKernels.ActivationKind}
 * has one constant per {@link Activation.Kind} and each {@code value} is the header's {@code GAN4J_ACT_*}
 * enumerator of the same name (JavaCPP passes {@code value} as {@code enum gan4j_activation}). Loading the nested
 * enum does not load the natives.
 */
class CudaKernelsEnumTest {

    @Test
    void activationKindMatchesTheHeaderEnum() throws IOException {
        String header = Files.readString(Path.of("src/main/cpp/gan4j_kernels.h"));
        Matcher m = Pattern.compile("GAN4J_ACT_([A-Z_]+) = (\\d+)").matcher(header);
        Map<String, Integer> inHeader = new TreeMap<>();
        while (m.find()) {
            inHeader.put(m.group(1), Integer.parseInt(m.group(2)));
        }
        Map<String, Integer> inJava = new TreeMap<>();
        for (CudaKernels.ActivationKind k : CudaKernels.ActivationKind.values()) {
            inJava.put(k.name(), k.value);
        }
        assertEquals(inHeader, inJava, "enum gan4j_activation in gan4j_kernels.h vs CudaKernels.ActivationKind");
        for (Activation.Kind k : Activation.Kind.values()) {
            Activation act = new Activation(k, k == Activation.Kind.LEAKY_RELU ? 0.2f : 0f);
            assertEquals(k.name(), CudaKernels.ActivationKind.of(act).name());
        }
    }
}
