package org.gan4j.backend;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11): block {@code b} under key
 * {@code seed} gives four 32-bit words. This class is the reference for every backend's random ops, which all draw
 * the same numbers from the same {@link RandomState}:
 * <ul>
 *   <li>An op that fills {@code n} elements starting at counter {@code c} uses blocks {@code c .. c+ceil(n/4)-1}
 *       (for {@link #UNIFORMS_PER_ELEMENT_2} ops: {@code ceil(n/2)} blocks) and then sets the counter past them.</li>
 *   <li>Uniform: element {@code i} = {@code (word(c + i/4, i%4) >>> 8) * 2^-24}, in [0, 1).</li>
 *   <li>Normal: elements {@code 4b..4b+3} come from block {@code c+b}; each pair of words ({@code u1,u2}) gives two
 *       values by Box-Muller: {@code r = sqrt(-2 ln(((u1>>>8)+1) * 2^-24))}, {@code t = 2 pi (u2>>>8) 2^-24},
 *       {@code (r cos t, r sin t)}.</li>
 *   <li>Ops that need two uniforms per element (label targets, see {@link Backend#fillTargets}) use block
 *       {@code c + i/2}, words {@code 2*(i%2)} and {@code 2*(i%2)+1}.</li>
 * </ul>
 *
 * <p><b>Threads.</b> Thread-safe: static pure functions.
 */
public final class Philox {
    /** Marker for the two-uniforms-per-element layout described above. */
    public static final int UNIFORMS_PER_ELEMENT_2 = 2;

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;
    private static final double TWO_POW_MINUS_24 = 1.0 / (1 << 24);

    private Philox() {
    }

    /** The four words of block {@code counter} under key {@code seed}, written to {@code out[0..3]}. */
    public static void block(long seed, long counter, int[] out) {
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        int c0 = (int) counter;
        int c1 = (int) (counter >>> 32);
        int c2 = 0;
        int c3 = 0;
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int hi0 = (int) (p0 >>> 32);
            int lo0 = (int) p0;
            int hi1 = (int) (p1 >>> 32);
            int lo1 = (int) p1;
            c0 = hi1 ^ c1 ^ k0;
            c1 = lo1;
            c2 = hi0 ^ c3 ^ k1;
            c3 = lo0;
            k0 += W0;
            k1 += W1;
        }
        out[0] = c0;
        out[1] = c1;
        out[2] = c2;
        out[3] = c3;
    }

    /** A word mapped to [0, 1) with 24 bits. */
    public static double uniform(int word) {
        return (word >>> 8) * TWO_POW_MINUS_24;
    }

    /** A word mapped to (0, 1] with 24 bits: safe under a logarithm. */
    public static double uniformOpenZero(int word) {
        return ((word >>> 8) + 1) * TWO_POW_MINUS_24;
    }

    /** Number of blocks an op over {@code n} elements consumes with {@code perBlock} elements per block. */
    public static long blocks(long n, int perBlock) {
        return (n + perBlock - 1) / perBlock;
    }
}
