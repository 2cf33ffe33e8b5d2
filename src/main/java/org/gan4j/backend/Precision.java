package org.gan4j.backend;

import java.util.Locale;

/**
 * The arithmetic a backend trains in ({@link BackendOptions#precision()}, {@code train --precision}). Whatever the
 * precision, parameters, their gradients, Adam's moments, losses and batch-norm statistics are float32; the
 * precision says what convolutions and matrix products do with their inputs.
 *
 * <ul>
 *   <li>{@link #FP32}: float32 throughout, no tensor-core shortcuts.</li>
 *   <li>{@link #TF32}: float32 tensors; on CUDA, convolutions and matrix products may round their inputs to TF32 (10
 *       mantissa bits) on tensor cores, as PyTorch's {@code allow_tf32}. The default. On the CPU it is FP32 (there
 *       is no TF32 arithmetic on the host).</li>
 *   <li>{@link #BF16}: mixed precision with PyTorch autocast's meaning: float32 master weights, Adam and losses;
 *       convolution and matrix-product inputs rounded to bfloat16 (8 significant bits, round to nearest even),
 *       products accumulated in float32, convolution outputs (activations and their gradients, and each weight
 *       gradient before it is added) rounded to bfloat16; batch-norm statistics float32. On CUDA the convolutions
 *       run in bf16 NHWC on tensor cores; the CPU backend emulates the same rounding points
 *       ({@link org.gan4j.backend.cpu.Bf16EmulationBackend}): slow, for reference and tests.</li>
 * </ul>
 */
public enum Precision {
    FP32,
    TF32,
    BF16;

    /** The precision called {@code name} ({@code fp32}, {@code tf32} or {@code bf16}, any case). */
    public static Precision parse(String name) {
        if (name != null) {
            for (Precision p : values()) {
                if (p.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
        }
        throw new IllegalArgumentException("unknown precision '" + name + "'; use fp32, tf32 or bf16");
    }

    /** The name the CLI and config files use: {@code fp32}, {@code tf32}, {@code bf16}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }
}
