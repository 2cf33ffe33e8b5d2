package org.gan4j.tensor;

/**
 * bfloat16 rounding of float32 values: 1 sign bit, float32's 8 exponent bits, 7 stored mantissa bits (8 significant
 * bits with the implicit one), so every bfloat16 is the float32 with the same upper 16 bits. Rounding is to nearest,
 * ties to even, as CUDA's {@code __float2bfloat16_rn} and PyTorch's {@code tensor.to(torch.bfloat16)} do: the unit
 * roundoff is {@code 2^-8} (a rounded normal value is within {@code 2^-8} of the original, relatively), and one unit
 * in the last place of a value in {@code [2^e, 2^(e+1))} is {@code 2^(e-7)}. Subnormals round the same way (their
 * spacing is {@code 2^-133}); values at or past the largest finite bfloat16 plus half an ulp round to infinity; infinities
 * stay; a NaN stays a NaN (made quiet, sign kept). Stateless; any thread.
 */
public final class BFloat16 {
    /** Unit roundoff of round-to-nearest bfloat16: {@code 2^-8}. */
    public static final double UNIT_ROUNDOFF = 0x1p-8;

    private BFloat16() {
    }

    /** {@code x} rounded to the nearest bfloat16 (ties to even), as a float32. */
    public static float round(float x) {
        return Float.intBitsToFloat(bits(x) << 16);
    }

    /** The 16 bits of {@code x} rounded to the nearest bfloat16 (ties to even), in the low half of the int. */
    public static int bits(float x) {
        int b = Float.floatToRawIntBits(x);
        if ((b & 0x7fffffff) > 0x7f800000) { // NaN: keep the sign and the top payload bits, set the quiet bit
            return ((b >>> 16) | 0x0040) & 0xffff;
        }
        // Adding 0x7fff rounds up past the half-way point; the lowest kept bit added on top breaks ties to even.
        // A carry out of the mantissa increments the exponent, which is the right answer (up to infinity).
        return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
    }
}
