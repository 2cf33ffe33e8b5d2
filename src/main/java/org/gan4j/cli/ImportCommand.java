package org.gan4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import org.gan4j.api.Checkpoints;
import org.gan4j.api.ModelConfig;
import org.gan4j.io.Checkpoint;

/** {@code gan4j import --pytorch}: a pytorch/examples DCGAN state_dict as a gan4j checkpoint (see {@link Checkpoints}). */
@Command(name = "import", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a pytorch/examples DCGAN saved with save_file(netG.state_dict(), 'netG.safetensors')"
            + " into a gan4j checkpoint (dcgan64; nz, ngf, ndf, nc read from the shapes) for sample/eval/export."})
final class ImportCommand implements Callable<Integer> {
    @Option(names = "--pytorch", required = true, description = "The input is in PyTorch's naming (the only format).")
    boolean pytorch;

    @Option(names = "--generator", required = true, paramLabel = "FILE", description = "netG state_dict (safetensors).")
    Path generator;

    @Option(names = "--discriminator", paramLabel = "FILE", description = "netD state_dict (optional).")
    Path discriminator;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The gan4j checkpoint to write.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Checkpoint c = Checkpoints.importPyTorchDcgan(generator, discriminator);
        c.write(out);
        ModelConfig m = Checkpoints.modelConfig(c);
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.printf("Wrote %s: dcgan64 with nz %d, ngf %d, ndf %d, %d channels%s%n", out, m.options().nz(),
                m.options().generatorWidth(), m.options().discriminatorWidth(), m.options().channels(),
                discriminator == null ? " (generator only)" : "");
        stdout.flush();
        return 0;
    }
}
