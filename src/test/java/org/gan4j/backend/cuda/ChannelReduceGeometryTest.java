package org.gan4j.backend.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Host-side emulation of the index math of {@code launch_channel_reduce} and its two kernels
 * ({@code src/main/cpp/gan4j_device.cuh}), line for line, run here without a GPU: for every DCGAN per-channel shape,
 * batches 1, 2, 64 and 129, and SM counts 1, 108 (A100) and 132 (H100), every element is visited exactly once, by a block of
 * its own channel, and the partials fit the scratch region below the per-channel coefficients. Keep it in step with
 * the C++ when that changes.
 */
class ChannelReduceGeometryTest {
    private static final int THREADS = 256;
    private static final long CHANNEL_PARTIALS = 8192;
    private static final int COLUMNS_X = 32;
    private static final int COLUMNS_Y = 8;

    /** (channels, spatial) of the DCGAN batch-norm and bias-gradient inputs, as CudaParityTest's shapes. */
    private static final int[][] SHAPES = {{512, 16}, {256, 64}, {128, 256}, {64, 1024}, {3, 4096}, {1, 1},
        {6272, 1}, {64, 196}, {128, 49}, {1, 784}, {1, 1}, {100, 1}, {9000, 1}, {9000, 4}};

    @Test
    void everyElementIsVisitedOnceByItsChannel() {
        for (int sms : new int[] {1, 108, 132}) {
            for (int n : new int[] {1, 2, 64, 129}) {
                for (int[] shape : SHAPES) {
                    check(n, shape[0], shape[1], sms);
                }
            }
        }
    }

    private static void check(int n, int channels, int spatial, int sms) {
        String what = "n " + n + " channels " + channels + " spatial " + spatial + " SMs " + sms;
        int[] visits = new int[n * channels * spatial];
        long targetBlocks = 2L * sms;
        long maxSplitsByScratch = CHANNEL_PARTIALS / channels > 0 ? CHANNEL_PARTIALS / channels : 1;
        long splits;
        if (spatial == 1) {
            long groups = (channels + COLUMNS_X - 1) / COLUMNS_X;
            splits = (targetBlocks + groups - 1) / groups;
            long byRows = (n + 4L * COLUMNS_Y - 1) / (4L * COLUMNS_Y);
            splits = clamp(Math.min(splits, byRows), maxSplitsByScratch);
            for (long bx = 0; bx < groups; bx++) {
                for (int split = 0; split < splits; split++) {
                    int n0 = (int) ((long) n * split / splits);
                    int n1 = (int) ((long) n * (split + 1) / splits);
                    for (int tx = 0; tx < COLUMNS_X; tx++) {
                        int c = (int) bx * COLUMNS_X + tx;
                        for (int ty = 0; ty < COLUMNS_Y && c < channels; ty++) {
                            for (int row = n0 + ty; row < n1; row += COLUMNS_Y) {
                                visit(visits, (long) row * channels + c, c, channels, spatial, what);
                            }
                        }
                    }
                }
            }
        } else {
            splits = (targetBlocks + channels - 1) / channels;
            long byWork = ((long) n * spatial) / (4L * THREADS);
            splits = clamp(Math.min(Math.min(splits, byWork), n), maxSplitsByScratch);
            for (int c = 0; c < channels; c++) {
                for (int split = 0; split < splits; split++) {
                    int n0 = (int) ((long) n * split / splits);
                    int n1 = (int) ((long) n * (split + 1) / splits);
                    long items = (long) (n1 - n0) * spatial;
                    for (long j = 0; j < items; j++) { // every thread's j, all threads together
                        long row = j / spatial;
                        long s = j - row * spatial;
                        visit(visits, ((n0 + row) * channels + c) * spatial + s, c, channels, spatial, what);
                    }
                }
            }
        }
        for (int i = 0; i < visits.length; i++) {
            if (visits[i] != 1) {
                assertEquals(1, visits[i], what + ": element " + i + " visited " + visits[i] + " times");
            }
        }
        if (splits > 1) { // partials[2 * (c * splits + split) + 1] must stay below the coefficients
            assertTrue(2 * ((long) channels * splits) <= 2 * CHANNEL_PARTIALS, what + ": " + splits + " splits");
        }
        assertTrue(splits >= 1 && splits <= 65535, what + ": grid.y " + splits);
    }

    private static long clamp(long splits, long maxByScratch) {
        return Math.max(1, Math.min(Math.min(splits, maxByScratch), 65535));
    }

    private static void visit(int[] visits, long i, int c, int channels, int spatial, String what) {
        // channel_of(i, spatial, channels) = (i / spatial) % channels must name the block's channel
        if ((int) ((i / spatial) % channels) != c) {
            assertEquals(c, (int) ((i / spatial) % channels), what + ": element " + i);
        }
        visits[(int) i]++;
    }
}
