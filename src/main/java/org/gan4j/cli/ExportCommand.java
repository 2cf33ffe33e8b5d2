package org.gan4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.gan4j.api.Checkpoints;
import org.gan4j.io.Checkpoint;

/** {@code gan4j export --pytorch}: a checkpoint's networks as PyTorch state_dicts (see {@link Checkpoints}). */
@Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Export a checkpoint's generator and discriminator as PyTorch state_dicts in safetensors,"
            + " named as pytorch/examples dcgan (main.<i>.<param>, with num_batches_tracked). A run trained with"
            + " --ema also gets netG_ema.safetensors: the average of G's weights, which sample and eval use.",
            "In Python: netG.load_state_dict(safetensors.torch.load_file('netG.safetensors'))"})
final class ExportCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, paramLabel = "PATH",
            description = "A checkpoint file, or a run folder (its newest checkpoint).")
    Path checkpoint;

    @Option(names = "--pytorch", required = true, description = "Export in PyTorch's naming (the only format).")
    boolean pytorch;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Folder for netG.safetensors, netD.safetensors (and netG_ema.safetensors). Default: the"
                    + " current folder.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Checkpoint c = Checkpoints.read(checkpoint);
        Path g = out.resolve("netG.safetensors");
        boolean hasD = !c.group(Checkpoint.DISCRIMINATOR).isEmpty();
        Path d = hasD ? out.resolve("netD.safetensors") : null;
        Checkpoints.exportPyTorch(c, g, d);
        Path ema = out.resolve("netG_ema.safetensors");
        boolean averaged = Checkpoints.exportAveragedGeneratorPyTorch(c, ema);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println("Wrote " + g + (hasD ? " and " + d : " (the checkpoint has no discriminator)")
                + (averaged ? ", and " + ema + " (the average of G's weights, which sample and eval use)" : ""));
        stdout.flush();
        return 0;
    }
}
