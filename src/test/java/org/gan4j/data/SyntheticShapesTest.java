package org.gan4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.gan4j.tensor.Shape;
import org.junit.jupiter.api.Test;

class SyntheticShapesTest {
    private static int[] bytes(ByteImageDataset ds, int i) {
        int[] out = new int[ds.sampleSize()];
        for (int k = 0; k < out.length; k++) {
            out[k] = ds.pixel(i, k);
        }
        return out;
    }

    @Test
    void shapesHaveTheirGeometry() {
        int size = 32;
        ByteImageDataset ds = SyntheticShapes.generate(300, size, 3, 9);
        assertEquals(Shape.of(3, size, size), ds.sampleShape());
        assertEquals(3, ds.numClasses());
        int[] perClass = new int[3];
        for (int i = 0; i < ds.size(); i++) {
            int[] px = bytes(ds, i);
            int kind = ds.label(i);
            perClass[kind]++;
            int minX = size;
            int maxX = -1;
            int minY = size;
            int maxY = -1;
            int lit = 0;
            int[] colour = null;
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int[] c = {px[y * size + x], px[size * size + y * size + x], px[2 * size * size + y * size + x]};
                    if (c[0] == 0 && c[1] == 0 && c[2] == 0) {
                        continue;
                    }
                    if (colour == null) {
                        colour = c;
                    }
                    assertArrayEquals(colour, c, "one colour per shape");
                    for (int v : c) {
                        assertTrue(v >= 96 && v <= 255, "intensity " + v);
                    }
                    lit++;
                    minX = Math.min(minX, x);
                    maxX = Math.max(maxX, x);
                    minY = Math.min(minY, y);
                    maxY = Math.max(maxY, y);
                }
            }
            assertTrue(lit > 0, "image " + i + " is empty");
            int bw = maxX - minX + 1;
            int bh = maxY - minY + 1;
            int box = bw * bh;
            switch (kind) {
                case 0 -> { // disc: fills ~pi/4 of its box
                    assertTrue(Math.abs(bw - bh) <= 1, "disc box " + bw + "x" + bh);
                    assertTrue(lit < 0.92 * box && lit > 0.6 * box, "disc fill " + lit + "/" + box);
                }
                case 1 -> { // square: fills its box exactly
                    assertTrue(Math.abs(bw - bh) <= 1, "square box " + bw + "x" + bh);
                    assertEquals(box, lit);
                }
                default -> { // bar: a full rectangle, length >= 2 x thickness (16 vs at most 6.4 + 1 pixels)
                    assertEquals(box, lit);
                    assertTrue(Math.max(bw, bh) >= 2 * Math.min(bw, bh), "bar box " + bw + "x" + bh);
                }
            }
        }
        for (int c : perClass) {
            assertTrue(c > 60, "classes drawn uniformly (expected ~100 each): " + Arrays.toString(perClass));
        }
    }

    @Test
    void seededAndGreyWorks() {
        ByteImageDataset a = SyntheticShapes.generate(20, 16, 1, 3);
        ByteImageDataset b = SyntheticShapes.generate(20, 16, 1, 3);
        ByteImageDataset c = SyntheticShapes.generate(20, 16, 1, 4);
        boolean differs = false;
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(bytes(a, i), bytes(b, i));
            assertEquals(a.label(i), b.label(i));
            differs |= !Arrays.equals(bytes(a, i), bytes(c, i));
        }
        assertTrue(differs);
        assertFalse(a.description().isEmpty());
    }
}
