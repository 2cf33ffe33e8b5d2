package org.gan4j.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link BFloat16#round}: hand values (ties to even, subnormals, overflow, inf, NaN) and the rounding bound. */
class BFloat16Test {
    private static float bits(int b) {
        return Float.intBitsToFloat(b);
    }

    @Test
    void exactValuesStay() {
        for (float v : new float[] {0f, -0f, 1f, -1f, 0.5f, 3f, 1.0078125f /* 1 + 2^-7 */, 65280f, Float.MIN_NORMAL}) {
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(BFloat16.round(v)), "" + v);
        }
        assertEquals(0x8000, BFloat16.bits(-0f)); // the sign of zero is kept
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        // 1 + 2^-8 is half-way between 1 and 1 + 2^-7: the tie goes to the even mantissa, 1
        assertEquals(1f, BFloat16.round(1f + 0x1p-8f));
        // 1 + 3 * 2^-8 is half-way between 1 + 2^-7 (odd) and 1 + 2^-6 (even): up
        assertEquals(1f + 0x1p-6f, BFloat16.round(1f + 3 * 0x1p-8f));
        // just above and below the tie go to the nearer neighbour
        assertEquals(1f + 0x1p-7f, BFloat16.round(bits(0x3f808001)));
        assertEquals(1f, BFloat16.round(bits(0x3f807fff)));
        // pi = 0x40490fdb: upper half 0x4049, lower 0x0fdb < 0x8000: down, to 3.140625
        assertEquals(3.140625f, BFloat16.round((float) Math.PI));
        assertEquals(-3.140625f, BFloat16.round((float) -Math.PI));
        // 0.1f = 0x3dcccccd: lower half 0xcccd > 0x8000: up, 0x3dcd
        assertEquals(0x3dcd, BFloat16.bits(0.1f));
    }

    @Test
    void subnormalsRoundOnTheSameGrid() {
        // the smallest float subnormal (2^-149) is below half of bf16's smallest subnormal (2^-133): to zero
        assertEquals(0f, BFloat16.round(Float.MIN_VALUE));
        // 2^-133 is bf16's smallest subnormal, exact; 1.5 * 2^-133 is a tie between 2^-133 (odd) and 2^-132: up
        assertEquals(0x1p-133f, BFloat16.round(0x1p-133f));
        assertEquals(0x1p-132f, BFloat16.round(0x1.8p-133f));
        // 2.5 * 2^-133 ties between 2 * 2^-133 (even) and 3 * 2^-133: down
        assertEquals(0x1p-132f, BFloat16.round(0x1.4p-132f));
    }

    @Test
    void overflowInfinityAndNan() {
        float maxBf16 = bits(0x7f7f0000); // the largest finite bf16
        assertEquals(maxBf16, BFloat16.round(maxBf16));
        assertEquals(maxBf16, BFloat16.round(bits(0x7f7f7fff))); // below the tie: stays finite
        assertEquals(Float.POSITIVE_INFINITY, BFloat16.round(bits(0x7f7f8000))); // the tie rounds to even: infinity
        assertEquals(Float.POSITIVE_INFINITY, BFloat16.round(Float.MAX_VALUE));
        assertEquals(Float.NEGATIVE_INFINITY, BFloat16.round(-Float.MAX_VALUE));
        assertEquals(Float.POSITIVE_INFINITY, BFloat16.round(Float.POSITIVE_INFINITY));
        assertEquals(Float.NEGATIVE_INFINITY, BFloat16.round(Float.NEGATIVE_INFINITY));
        assertTrue(Float.isNaN(BFloat16.round(Float.NaN)));
        // a signalling NaN whose payload lies only in the dropped low bits must not become infinity
        assertEquals(0x7fc0, BFloat16.bits(bits(0x7f800001)));
        assertEquals(0xffc0, BFloat16.bits(bits(0xff800001)));
    }

    /** Against an independent reference: the nearest of the two bf16 neighbours, computed in double. */
    @Test
    void nearestNeighbourWithinUnitRoundoff() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float x = bits(r.nextInt() & 0x7effffff | (r.nextBoolean() ? 0x80000000 : 0)); // finite, any exponent
            if (Math.abs(x) < Float.MIN_NORMAL) {
                continue;
            }
            float down = bits(Float.floatToRawIntBits(x) & 0xffff0000);
            float up = bits((Float.floatToRawIntBits(x) & 0xffff0000) + 0x10000);
            double dd = Math.abs((double) x - down);
            double du = Math.abs((double) up - x);
            float got = BFloat16.round(x);
            float want = dd < du ? down : du < dd ? up
                    : ((Float.floatToRawIntBits(down) >>> 16) & 1) == 0 ? down : up;
            assertEquals(want, got, "x = " + x);
            assertTrue(Math.abs((double) got - x) <= BFloat16.UNIT_ROUNDOFF * Math.abs(x), "bound at " + x);
        }
    }
}
