package org.gan4j.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Philox#block} against the Random123 known-answer vectors (kat_vectors, philox4x32 10 rounds).
 * {@code Philox.block} sets only counter words 0, 1 and the two key words from its longs (counter words 2, 3 are 0), so
 * the all-zero vector is checked through it directly; the other two vectors need counter words 2, 3, so they check an
 * independent full-width implementation written here in Random123's own structure, which is then required to agree
 * with {@code Philox.block} wherever the API can express the input.
 */
class PhiloxTest {

    @Test
    void zeroCounterZeroKeyMatchesRandom123() {
        int[] out = new int[4];
        Philox.block(0L, 0L, out);
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}, out);
    }

    @Test
    void fullWidthReferenceMatchesAllRandom123Vectors() {
        assertArrayEquals(new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8},
                philox4x32x10(new int[] {0, 0, 0, 0}, new int[] {0, 0}));
        assertArrayEquals(new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd},
                philox4x32x10(new int[] {-1, -1, -1, -1}, new int[] {-1, -1}));
        assertArrayEquals(new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1},
                philox4x32x10(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344},
                        new int[] {0xa4093822, 0x299f31d0}));
    }

    @Test
    void blockAgreesWithFullWidthReference() {
        SplittableRandom r = new SplittableRandom(7);
        int[] out = new int[4];
        for (int trial = 0; trial < 1000; trial++) {
            long seed = r.nextLong();
            long counter = trial < 10 ? trial : r.nextLong();
            Philox.block(seed, counter, out);
            int[] expected = philox4x32x10(new int[] {(int) counter, (int) (counter >>> 32), 0, 0},
                    new int[] {(int) seed, (int) (seed >>> 32)});
            assertArrayEquals(expected, out, "seed " + seed + " counter " + counter);
        }
    }

    /** Random123's philox4x32_R(10, ctr, key): round 1 with the key, then bump the key before each later round. */
    private static int[] philox4x32x10(int[] ctr, int[] key) {
        int[] c = ctr.clone();
        int[] k = key.clone();
        for (int round = 0; round < 10; round++) {
            if (round > 0) {
                k[0] += 0x9E3779B9;
                k[1] += 0xBB67AE85;
            }
            long prod0 = Integer.toUnsignedLong(0xD2511F53) * Integer.toUnsignedLong(c[0]);
            long prod1 = Integer.toUnsignedLong(0xCD9E8D57) * Integer.toUnsignedLong(c[2]);
            c = new int[] {(int) (prod1 >>> 32) ^ c[1] ^ k[0], (int) prod1, (int) (prod0 >>> 32) ^ c[3] ^ k[1],
                    (int) prod0};
        }
        return c;
    }
}
