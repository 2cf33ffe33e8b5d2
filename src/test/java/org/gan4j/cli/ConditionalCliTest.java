package org.gan4j.cli;

import static org.gan4j.cli.CliRun.ok;
import static org.gan4j.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code train --conditional} on an image folder whose sub-folders are the classes, then {@code sample --class}
 * through the command line: the class mapping a user needs is printed and recorded, and a class the model does not
 * have, or a class asked of an unconditional model, is a one-line usage error.
 */
class ConditionalCliTest {
    @TempDir
    Path tmp;

    /** {@code per} grey 8x8 PNGs in each of {@code classes} sub-folders of {@code dir}, class k at level 60 k. */
    private static Path imageFolder(Path dir, int per, String... classes) throws Exception {
        for (int k = 0; k < classes.length; k++) {
            Path sub = Files.createDirectories(dir.resolve(classes[k]));
            for (int i = 0; i < per; i++) {
                BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
                for (int p = 0; p < 64; p++) {
                    im.getRaster().setSample(p % 8, p / 8, 0, (60 * k + 7 * i + p) % 256);
                }
                ImageIO.write(im, "png", sub.resolve(i + ".png").toFile());
            }
        }
        return dir;
    }

    @Test
    void conditionalTrainingOnClassFoldersThenSampleByClass() throws Exception {
        // "empty" holds no image: not a class, so bird, cat, dog are classes 0, 1, 2
        Path data = imageFolder(tmp.resolve("pets"), 4, "bird", "cat", "dog");
        Files.createDirectories(data.resolve("empty"));
        Path run = tmp.resolve("run");
        CliRun train = run("train", "--dataset", data.toString(), "--model", "dcgan28", "--conditional", "-b", "4",
                "--steps", "2", "--threads", "1", "--backend", "cpu", "--out", run.toString());
        ok(train);
        String classes = "3 classes (0 bird, 1 cat, 2 dog)";
        assertTrue(train.out().contains(classes), train.out());
        assertTrue(new ObjectMapper().readTree(run.resolve("summary.json").toFile()).get("dataset").asText()
                .endsWith(classes), "summary.json keeps the mapping");

        Path dog = tmp.resolve("dog.png");
        ok(run("sample", "--checkpoint", run.toString(), "--class", "2", "--n", "4", "--out", dog.toString()));
        assertTrue(Files.size(dog) > 0);
        for (String k : new String[] {"3", "-1"}) {
            CliRun bad = run("sample", "--checkpoint", run.toString(), "--class", k, "--out",
                    tmp.resolve("x.png").toString());
            assertEquals(2, bad.code(), bad.err());
            assertEquals("gan4j: --class must be in [0, 3) for this model (3 classes), got " + k
                    + "\n(gan4j sample --help shows every option)\n", bad.err());
        }
        assertFalse(Files.exists(tmp.resolve("x.png")));
    }

    @Test
    void anUnconditionalCheckpointRefusesAClass() throws Exception {
        Path data = imageFolder(tmp.resolve("pets"), 4, "cat", "dog");
        Path run = tmp.resolve("plain");
        ok(run("train", "--dataset", data.toString(), "--model", "dcgan28", "-b", "4", "--steps", "1", "--threads",
                "1", "--backend", "cpu", "--out", run.toString()));
        CliRun bad = run("sample", "--checkpoint", run.toString(), "--class", "0", "--out",
                tmp.resolve("x.png").toString());
        assertEquals(2, bad.code(), bad.err());
        assertEquals("gan4j: --class 0: " + run + " is not class-conditional (trained without --conditional); drop"
                + " --class\n(gan4j sample --help shows every option)\n", bad.err());
        assertFalse(Files.exists(tmp.resolve("x.png")));
    }
}
