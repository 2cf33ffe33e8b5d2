package org.gan4j.io;

import java.awt.image.BufferedImage;
import java.util.HashMap;
import java.util.Map;

/**
 * A 5 x 7 pixel font built into the code, so that plots carry text without AWT fonts: drawing text through
 * {@code Graphics2D.drawString} or measuring it with {@code FontMetrics} loads the JDK's native font library
 * (libfontmanager, which needs libharfbuzz and fontconfig), which a headless server may not have. Characters: ASCII
 * letters and digits, space and {@code ( ) . , _ - + : / = %}; any other character is drawn as a hollow box.
 *
 * <p>Each glyph cell is {@value #CELL_WIDTH} x {@value #CELL_HEIGHT} pixels (5 x 7 glyph plus one column and one row
 * of spacing), times the scale. Text is drawn by setting pixels of a {@link BufferedImage} directly.
 *
 * <p><b>Threads.</b> Thread-safe: static methods over an immutable table.
 */
public final class BitmapFont {
    /** Width of one character cell at scale 1, spacing included. */
    public static final int CELL_WIDTH = 6;
    /** Height of one character cell at scale 1, spacing included. */
    public static final int CELL_HEIGHT = 8;

    /** Each entry: the character, then its 7 rows of 5 pixels ('#' set). */
    private static final String[] GLYPHS = {
        "0 .###. #...# #..## #.#.# ##..# #...# .###.", "1 ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",
        "2 .###. #...# ....# ...#. ..#.. .#... #####", "3 ####. ....# ....# .###. ....# ....# ####.",
        "4 ...#. ..##. .#.#. #..#. ##### ...#. ...#.", "5 ##### #.... ####. ....# ....# #...# .###.",
        "6 ..##. .#... #.... ####. #...# #...# .###.", "7 ##### ....# ...#. ..#.. .#... .#... .#...",
        "8 .###. #...# #...# .###. #...# #...# .###.", "9 .###. #...# #...# .#### ....# ...#. .##..",
        "A .###. #...# #...# ##### #...# #...# #...#", "B ####. #...# #...# ####. #...# #...# ####.",
        "C .###. #...# #.... #.... #.... #...# .###.", "D ####. #...# #...# #...# #...# #...# ####.",
        "E ##### #.... #.... ####. #.... #.... #####", "F ##### #.... #.... ####. #.... #.... #....",
        "G .###. #...# #.... #.### #...# #...# .####", "H #...# #...# #...# ##### #...# #...# #...#",
        "I .###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.", "J ..### ...#. ...#. ...#. ...#. #..#. .##..",
        "K #...# #..#. #.#.. ##... #.#.. #..#. #...#", "L #.... #.... #.... #.... #.... #.... #####",
        "M #...# ##.## #.#.# #.#.# #...# #...# #...#", "N #...# #...# ##..# #.#.# #..## #...# #...#",
        "O .###. #...# #...# #...# #...# #...# .###.", "P ####. #...# #...# ####. #.... #.... #....",
        "Q .###. #...# #...# #...# #.#.# #..#. .##.#", "R ####. #...# #...# ####. #.#.. #..#. #...#",
        "S .#### #.... #.... .###. ....# ....# ####.", "T ##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",
        "U #...# #...# #...# #...# #...# #...# .###.", "V #...# #...# #...# #...# #...# .#.#. ..#..",
        "W #...# #...# #...# #.#.# #.#.# #.#.# .#.#.", "X #...# #...# .#.#. ..#.. .#.#. #...# #...#",
        "Y #...# #...# .#.#. ..#.. ..#.. ..#.. ..#..", "Z ##### ....# ...#. ..#.. .#... #.... #####",
        "a ..... ..... .###. ....# .#### #...# .####", "b #.... #.... #.##. ##..# #...# #...# ####.",
        "c ..... ..... .###. #.... #.... #...# .###.", "d ....# ....# .##.# #..## #...# #...# .####",
        "e ..... ..... .###. #...# ##### #.... .###.", "f ..##. .#..# .#... ###.. .#... .#... .#...",
        "g ..... .#### #...# #...# .#### ....# .###.", "h #.... #.... #.##. ##..# #...# #...# #...#",
        "i ..#.. ..... .##.. ..#.. ..#.. ..#.. .###.", "j ...#. ..... ..##. ...#. ...#. #..#. .##..",
        "k #.... #.... #..#. #.#.. ##... #.#.. #..#.", "l .##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",
        "m ..... ..... ##.#. #.#.# #.#.# #...# #...#", "n ..... ..... #.##. ##..# #...# #...# #...#",
        "o ..... ..... .###. #...# #...# #...# .###.", "p ..... ..... ####. #...# ####. #.... #....",
        "q ..... ..... .##.# #..## .#### ....# ....#", "r ..... ..... #.##. ##..# #.... #.... #....",
        "s ..... ..... .###. #.... .###. ....# ####.", "t .#... .#... ###.. .#... .#... .#..# ..##.",
        "u ..... ..... #...# #...# #...# #..## .##.#", "v ..... ..... #...# #...# #...# .#.#. ..#..",
        "w ..... ..... #...# #...# #.#.# #.#.# .#.#.", "x ..... ..... #...# .#.#. ..#.. .#.#. #...#",
        "y ..... ..... #...# #...# .#### ....# .###.", "z ..... ..... ##### ...#. ..#.. .#... #####",
        "( ...#. ..#.. .#... .#... .#... ..#.. ...#.", ") .#... ..#.. ...#. ...#. ...#. ..#.. .#...",
        ". ..... ..... ..... ..... ..... .##.. .##..", ", ..... ..... ..... ..... .##.. ..#.. .#...",
        "_ ..... ..... ..... ..... ..... ..... #####", "- ..... ..... ..... ##### ..... ..... .....",
        "+ ..... ..#.. ..#.. ##### ..#.. ..#.. .....", ": ..... .##.. .##.. ..... .##.. .##.. .....",
        "/ ....# ....# ...#. ..#.. .#... #.... #....", "= ..... ..... ##### ..... ##### ..... .....",
        "% ##..# ##..# ...#. ..#.. .#... #..## #..##", "  ..... ..... ..... ..... ..... ..... .....",
        "\u0000 ##### #...# #...# #...# #...# #...# #####",
    };

    /** Bit {@code 4 - x} of row {@code y} is pixel (x, y). */
    private static final Map<Character, int[]> TABLE = new HashMap<>();

    static {
        for (String g : GLYPHS) {
            String[] rows = g.substring(2).split(" ");
            int[] bits = new int[7];
            for (int y = 0; y < 7; y++) {
                bits[y] = Integer.parseInt(rows[y].replace('#', '1').replace('.', '0'), 2);
            }
            TABLE.put(g.charAt(0), bits);
        }
    }

    private BitmapFont() {
    }

    /** Width in pixels of {@code text} at {@code scale} (the trailing spacing column included). */
    public static int width(String text, int scale) {
        return text.length() * CELL_WIDTH * scale;
    }

    /** Height in pixels of one line at {@code scale} (the spacing row included). */
    public static int height(int scale) {
        return CELL_HEIGHT * scale;
    }

    /**
     * Draws {@code text} with its top-left corner at {@code (x, y)}, each font pixel a {@code scale x scale} square of
     * colour {@code rgb}; pixels outside the image are skipped.
     */
    public static void draw(BufferedImage image, String text, int x, int y, int scale, int rgb) {
        for (int i = 0; i < text.length(); i++) {
            int[] bits = TABLE.getOrDefault(text.charAt(i), TABLE.get('\u0000'));
            int x0 = x + i * CELL_WIDTH * scale;
            for (int gy = 0; gy < 7; gy++) {
                for (int gx = 0; gx < 5; gx++) {
                    if ((bits[gy] >> (4 - gx) & 1) != 0) {
                        fill(image, x0 + gx * scale, y + gy * scale, scale, rgb);
                    }
                }
            }
        }
    }

    private static void fill(BufferedImage image, int x, int y, int size, int rgb) {
        for (int yy = Math.max(0, y); yy < Math.min(image.getHeight(), y + size); yy++) {
            for (int xx = Math.max(0, x); xx < Math.min(image.getWidth(), x + size); xx++) {
                image.setRGB(xx, yy, rgb);
            }
        }
    }
}
