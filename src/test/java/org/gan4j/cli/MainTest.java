package org.gan4j.cli;

import static org.gan4j.cli.CliRun.ok;
import static org.gan4j.cli.CliRun.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import picocli.CommandLine;

import org.gan4j.api.Checkpoints;
import org.gan4j.api.DatasetConfig;
import org.gan4j.api.GanTraining;
import org.gan4j.api.ModelConfig;
import org.gan4j.api.Recipes;
import org.gan4j.api.TrainingConfig;
import org.gan4j.api.Version;
import org.gan4j.backend.Precision;
import org.gan4j.data.IdxDataset;
import org.gan4j.gan.GanLoss;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.TrainerConfig;
import org.gan4j.io.Checkpoint;
import org.gan4j.io.MetricsLog;
import org.gan4j.io.Safetensors;
import org.gan4j.io.TensorData;

/** Every subcommand end to end through picocli, into a temporary folder. */
class MainTest {
    @TempDir
    Path tmp;

    private static BufferedImage png(Path p) throws Exception {
        BufferedImage img = ImageIO.read(p.toFile());
        assertNotNull(img, p + " is not a readable image");
        return img;
    }

    @Test
    void ringTrainSampleEvalExport() throws Exception {
        Path run = tmp.resolve("ring");
        ok(run("train", "--dataset", "ring", "--dataset-size", "640", "--steps", "25", "-b", "32", "--lr-d", "1e-3",
                "--lr-g", "1e-3", "--threads", "1", "--backend", "cpu", "--out", run.toString(),
                "--checkpoint-every", "10", "--keep-checkpoints", "2"));
        png(run.resolve("samples/epoch_001.png")); // after the 20 steps of epoch 1
        png(run.resolve("samples/epoch_002.png")); // at the end, mid-epoch 2
        png(run.resolve("losses.png"));
        assertEquals(25, MetricsLog.read(run.resolve("metrics.csv")).rows().size());
        assertEquals(List.of(Checkpoint.fileFor(run.resolve("checkpoints"), 20),
                Checkpoint.fileFor(run.resolve("checkpoints"), 25)), Checkpoint.list(run.resolve("checkpoints")));
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals(25, summary.get("steps").asInt());
        assertEquals(8, summary.get("mixture_metrics").get("modes").asInt());
        assertEquals("cpu", summary.get("backend").asText());

        Path a = tmp.resolve("a.csv");
        Path b = tmp.resolve("b.csv");
        ok(run("sample", "--checkpoint", run.toString(), "--n", "50", "--seed", "9", "--out", a.toString()));
        ok(run("sample", "--checkpoint", run.toString(), "--n", "50", "--seed", "9", "--out", b.toString()));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        assertEquals(51, Files.readAllLines(a).size());

        Path e = tmp.resolve("eval.json");
        CliRun r = run("eval", "--checkpoint", run.toString(), "--n", "500", "--out", e.toString());
        ok(r);
        assertTrue(r.out().contains("modes"), r.out());
        JsonNode ej = new ObjectMapper().readTree(e.toFile());
        assertEquals(500, ej.get("points").asInt());
        assertEquals(25, ej.get("step").asInt());

        // resume to 30 steps in the same folder
        ok(run("train", "--resume", run.toString(), "--steps", "30"));
        assertEquals(30, MetricsLog.read(run.resolve("metrics.csv")).rows().size());
        CliRun again = run("train", "--resume", run.toString(), "--lr-d", "0.1");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--lr-d cannot be changed when resuming"), again.err());
    }

    @Test
    void onlyThe28x28RecipeDiffersFromPyTorchsAndOptionsOverrideIt() throws Exception {
        // an image folder keeps pytorch/examples dcgan's recipe (not measured with another), as does the Java default
        Path images = Files.createDirectories(tmp.resolve("images"));
        for (TrainerConfig pytorch : List.of(
                Recipes.forDataset(DatasetConfig.parse(images.toString(), 0)).build().trainer(),
                TrainingConfig.builder().build().trainer())) {
            assertEquals(2e-4f, pytorch.lrG());
            assertEquals(64, pytorch.batchSize());
            assertEquals(0f, pytorch.emaDecay());
        }
        TrainerConfig synthetic = Recipes.forDataset(DatasetConfig.synthetic(64)).build().trainer();
        assertEquals(4e-4f, synthetic.lrG(), "synthetic");
        assertEquals(32, synthetic.batchSize(), "synthetic");
        assertEquals(0.99f, synthetic.emaDecay(), "synthetic");
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--lr-g", "2e-4", "--batch-size", "64", "--ema", "0");
        TrainerConfig given = cmd.config(new PrintWriter(new StringWriter())).trainer();
        assertEquals(2e-4f, given.lrG());
        assertEquals(64, given.batchSize());
        assertEquals(0f, given.emaDecay());
    }

    @Test
    void ringAndGridTrainTheirRecipeAndOptionsOverrideIt() {
        for (String data : List.of("ring", "grid")) {
            TrainCommand cmd = new TrainCommand();
            new CommandLine(cmd).parseArgs("--dataset", data);
            TrainingConfig c = cmd.config(new PrintWriter(new StringWriter()));
            TrainingConfig recipe = Recipes.forDataset(c.dataset()).build();
            assertEquals(Recipes.MIXTURE_POINTS, c.dataset().size());
            assertEquals(recipe.model(), c.model());
            assertEquals(recipe.trainer().toBuilder().seed(1).build(), c.trainer(), "the recipe, seed 1");
            assertEquals(data.equals("grid") ? Recipes.GRID_STEPS : Recipes.RING_STEPS, c.steps());
            assertEquals(LrSchedule.linear(0.5), c.lrSchedule());
            assertEquals(GanLoss.HINGE, c.trainer().loss());
            assertEquals(0f, c.trainer().beta1());
            assertEquals(0.9f, c.trainer().beta2());
            assertEquals(data.equals("grid") ? Recipes.GRID_R1_GAMMA : 0f, c.trainer().r1Gamma());
        }
        TrainCommand cmd = new TrainCommand();
        new CommandLine(cmd).parseArgs("--dataset", "ring", "--loss", "non-saturating", "--ema", "0", "-b", "64",
                "--epochs", "2", "--lr-schedule", "constant", "--label-smoothing", "0.9");
        TrainingConfig c = cmd.config(new PrintWriter(new StringWriter()));
        assertEquals(GanLoss.NON_SATURATING, c.trainer().loss());
        assertEquals(0f, c.trainer().emaDecay());
        assertEquals(64, c.trainer().batchSize());
        assertEquals(0, c.steps());
        assertEquals(2, c.epochs());
        assertEquals(LrSchedule.CONSTANT, c.lrSchedule());
        assertEquals(0.9f, c.trainer().labels().real());
        assertEquals(1e-3f, c.trainer().lrD(), "options not given keep the recipe's");
    }

    @Test
    void stabilisersAndSizesFromTheCommandLineAndAScheduleChangedOnResume() throws Exception {
        Path run = tmp.resolve("hinge");
        ok(run("train", "--dataset", "ring", "--dataset-size", "640", "--steps", "20", "-b", "32", "--loss", "hinge",
                "--ema", "0.9", "--lr-schedule", "linear", "--spectral-norm", "--pack", "2", "--width", "24", "--depth",
                "2", "--latent-size", "3", "--threads", "1", "--backend", "cpu", "--out", run.toString()));
        assertEquals(ModelConfig.mlp2d(3, 24, 2).options().withSpectralNorm(true).withPack(2),
                Checkpoints.modelConfig(Checkpoints.read(run)).options());
        JsonNode config = new ObjectMapper().readTree(run.resolve("summary.json").toFile()).get("config");
        assertEquals("hinge", config.get("trainer").get("loss").asText());
        assertEquals(0.9, config.get("trainer").get("ema_decay").asDouble(), 1e-7);
        assertEquals("linear:0.0", config.get("lr_schedule").asText());
        assertTrue(Checkpoints.read(run).tensors().containsKey(Checkpoint.AVERAGED_GENERATOR + "0.weight"));
        // export writes the average beside the trained G, in PyTorch's names
        Path exp = tmp.resolve("export");
        ok(run("export", "--checkpoint", run.toString(), "--pytorch", "--out", exp.toString()));
        Map<String, TensorData> average = Checkpoints.read(run).group(Checkpoint.AVERAGED_GENERATOR);
        Map<String, TensorData> exported = Safetensors.read(exp.resolve("netG_ema.safetensors")).tensors();
        assertEquals(average.size(), exported.size(), "no batch norm in mlp2d: no num_batches_tracked");
        for (TensorData t : average.values()) {
            assertArrayEquals(t.floats(), exported.get("main." + t.name()).floats(), t.name());
        }
        assertFalse(java.util.Arrays.equals(average.get("0.weight").floats(), Safetensors.read(
                exp.resolve("netG.safetensors")).tensors().get("main.0.weight").floats()), "netG is the trained G");
        ok(run("train", "--resume", run.toString(), "--steps", "30", "--lr-schedule", "step:5:0.5"));
        config = new ObjectMapper().readTree(run.resolve("summary.json").toFile()).get("config");
        assertEquals("step:5:0.5", config.get("lr_schedule").asText());
        CliRun bad = run("train", "--dataset", "ring", "--lr-schedule", "cosine", "--out", tmp.resolve("x").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("unknown learning-rate schedule 'cosine'"), bad.err());
        CliRun ema = run("train", "--resume", run.toString(), "--ema", "0.5");
        assertEquals(2, ema.code());
        assertTrue(ema.err().contains("--ema cannot be changed when resuming"), ema.err());
    }

    @Test
    void precisionIsRecordedInSummaryAndCheckpointAndBf16RunsEmulatedOnTheCpu() throws Exception {
        Path run = tmp.resolve("bf16");
        ok(run("train", "--dataset", "ring", "--dataset-size", "256", "--steps", "4", "-b", "32", "--precision",
                "bf16", "--threads", "1", "--backend", "cpu", "--out", run.toString()));
        JsonNode summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals("bf16", summary.get("config").get("precision").asText());
        assertTrue(summary.toString().contains("bf16 emulated"), "the device names the emulation: " + summary);
        assertEquals(Precision.BF16, GanTraining.resumeConfig(Checkpoints.read(run)).build().precision());
        ok(run("train", "--resume", run.toString(), "--steps", "6", "--precision", "fp32"));
        summary = new ObjectMapper().readTree(run.resolve("summary.json").toFile());
        assertEquals("fp32", summary.get("config").get("precision").asText());
        CliRun bad = run("train", "--dataset", "ring", "--precision", "fp16", "--out", tmp.resolve("x").toString());
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--precision: unknown precision 'fp16'; use fp32, tf32 or bf16"), bad.err());
    }

    @Test
    void imageTrainSampleSingleAndExport() throws Exception {
        Path run = tmp.resolve("shapes");
        ok(run("train", "--dataset", "synthetic", "--dataset-size", "64", "--model", "dcgan28", "-b", "8",
                "--ema", "0", "--steps", "3", "--threads", "1", "--backend", "cpu", "--out", run.toString()));
        BufferedImage grid = png(run.resolve("samples/epoch_001.png"));
        assertEquals(8 * (28 + 2) + 2, grid.getWidth());
        assertEquals(3, MetricsLog.read(run.resolve("metrics.csv")).rows().size());

        Path a = tmp.resolve("a.png");
        Path b = tmp.resolve("b.png");
        ok(run("sample", "--checkpoint", run.toString(), "--n", "16", "--seed", "3", "--out", a.toString()));
        ok(run("sample", "--checkpoint", run.toString(), "--n", "16", "--seed", "3", "--out", b.toString()));
        assertArrayEquals(Files.readAllBytes(a), Files.readAllBytes(b));
        Path c = tmp.resolve("c.png");
        ok(run("sample", "--checkpoint", run.toString(), "--n", "16", "--seed", "4", "--out", c.toString()));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(a), Files.readAllBytes(c)));

        // The extension decides the format (before: PNG bytes in x.jpg); an unknown one is a usage error.
        Path jpg = tmp.resolve("grid.JPG");
        ok(run("sample", "--checkpoint", run.toString(), "--n", "16", "--seed", "3", "--out", jpg.toString()));
        byte[] jpeg = Files.readAllBytes(jpg);
        assertTrue(jpeg[0] == (byte) 0xFF && jpeg[1] == (byte) 0xD8, "JPEG magic FF D8");
        assertEquals(2 * (28 + 2) + 2, png(jpg).getHeight(), "16 images, 8 per row: 2 rows");
        CliRun gif = run("sample", "--checkpoint", run.toString(), "--out", tmp.resolve("grid.gif").toString());
        assertEquals(2, gif.code());
        assertEquals("gan4j: --out " + tmp.resolve("grid.gif") + ": images are written as PNG or JPEG, so the name"
                + " must end in .png or .jpg or .jpeg\n(gan4j sample --help shows every option)\n", gif.err());
        assertFalse(Files.exists(tmp.resolve("grid.gif")));

        Path single = tmp.resolve("single");
        ok(run("sample", "--checkpoint", run.toString(), "--n", "3", "--single", "--out", single.toString()));
        assertEquals(28, png(single.resolve("sample_0002.png")).getWidth());

        Path exp = tmp.resolve("export");
        ok(run("export", "--checkpoint", run.toString(), "--pytorch", "--out", exp.toString()));
        assertTrue(Files.size(exp.resolve("netG.safetensors")) > 0);
        assertTrue(Files.size(exp.resolve("netD.safetensors")) > 0);
        assertFalse(Files.exists(exp.resolve("netG_ema.safetensors")), "--ema 0: no average to export");
    }

    @Test
    void usageErrorsAreOneLineWithExitCode2() throws Exception {
        CliRun r = run("train", "--dataset", "ring", "-b", "-5", "--steps", "1", "--out", tmp.resolve("x").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("batchSize must be >= 2"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose: " + r.err());

        r = run("train", "--model", "resnet", "--dataset", "ring");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown model 'resnet'"), r.err());

        r = run("sample", "--checkpoint", tmp.resolve("nothing.safetensors").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains("checkpoint not found"), r.err());

        Path garbage = tmp.resolve("garbage.safetensors");
        Files.writeString(garbage, "this is not a checkpoint");
        r = run("sample", "--checkpoint", garbage.toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(garbage.toString()), r.err());
        assertFalse(r.err().contains("\tat "), r.err());

        Path empty = Files.createDirectories(tmp.resolve("empty"));
        r = run("train", "--dataset", empty.toString(), "--steps", "1", "--out", tmp.resolve("y").toString());
        assertEquals(2, r.code());
        assertTrue(r.err().contains(empty.toString()), r.err());

        r = run("train", "--dataset", "ring", "--model", "dcgan28", "--steps", "1");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("needs images"), r.err());

        r = run("train", "--no-such-option");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--no-such-option"), r.err());

        r = run("sample", "--checkpoint", garbage.toString(), "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("\tat "), "--verbose prints the stack trace");
    }

    @Test
    void versionHelpAndNoArgumentDefaults() throws Exception {
        CliRun r = run("--version");
        ok(r);
        assertTrue(r.out().contains("gan4j " + Version.VERSION), r.out());
        for (String sub : List.of("train", "sample", "eval", "export", "import")) {
            CliRun h = run(sub, "--help");
            ok(h);
            assertTrue(h.out().contains("Usage: gan4j " + sub), h.out());
        }
        // With no options, train uses dcgan28, 1 epoch, Adam (0.5, 0.999) with D at 2e-4 and G at 4e-4, batch 32 and
        // G's weights averaged with decay 0.99 (the measured Fashion-MNIST default, README), and Fashion-MNIST when
        // installed, else synthetic shapes with a message saying how to get it.
        TrainCommand cmd = CommandLine.populateCommand(new TrainCommand());
        StringWriter err = new StringWriter();
        TrainingConfig c = cmd.config(new PrintWriter(err, true));
        assertEquals("dcgan28", c.model().name());
        assertEquals(1, c.epochs());
        assertEquals(0, c.steps());
        assertEquals(2e-4f, c.trainer().lrD());
        assertEquals(4e-4f, c.trainer().lrG());
        assertEquals(Recipes.DCGAN28_LR_G, c.trainer().lrG());
        assertEquals(0.5f, c.trainer().beta1());
        assertEquals(0.999f, c.trainer().beta2());
        assertEquals(32, c.trainer().batchSize());
        assertEquals(Recipes.DCGAN28_BATCH, c.trainer().batchSize());
        assertEquals(GanLoss.NON_SATURATING, c.trainer().loss());
        assertEquals(0.99f, c.trainer().emaDecay());
        assertEquals(Recipes.DCGAN28_EMA, c.trainer().emaDecay());
        assertEquals(LrSchedule.CONSTANT, c.lrSchedule());
        if (Files.isDirectory(IdxDataset.FASHION_MNIST_DIR)) {
            assertEquals(DatasetConfig.Kind.FASHION_MNIST, c.dataset().kind());
        } else {
            assertEquals(DatasetConfig.Kind.SYNTHETIC, c.dataset().kind());
            assertTrue(err.toString().contains("apt-get install dataset-fashion-mnist"), err.toString());
        }
    }

    @Test
    void versionMatchesThePom() throws Exception {
        String pom = Files.readString(Path.of("pom.xml"));
        assertTrue(pom.contains("<artifactId>gan4j</artifactId>\n  <version>" + Version.VERSION + "</version>"),
                "Version.VERSION " + Version.VERSION + " differs from pom.xml's version");
    }
}
