package org.gan4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

import picocli.CommandLine;

/**
 * {@code --help} breaks lines only at spaces: picocli's own wrapping (the JDK's line BreakIterator) also broke after
 * a '.', splitting {@code main.<i>.<param>}, {@code 'netG.safetensors'} or {@code metrics.csv} across lines.
 */
class HelpTextTest {
    @Test
    void everyWordOfEveryDescriptionStaysWholeAndLinesFitEightyColumns() {
        CommandLine root = Main.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
        List<CommandLine> commands = new ArrayList<>(root.getSubcommands().values());
        commands.add(root);
        for (CommandLine c : commands) {
            String name = c.getCommandSpec().qualifiedName();
            StringWriter out = new StringWriter();
            Main.run(new PrintWriter(out), new PrintWriter(new StringWriter()),
                    (c == root ? "--help" : c.getCommandName() + " --help").split(" "));
            String help = out.toString();
            Set<String> words = new HashSet<>(Arrays.asList(help.split("\\s+")));
            List<String> described = new ArrayList<>(Arrays.asList(c.getCommandSpec().usageMessage().description()));
            c.getCommandSpec().options().forEach(o -> described.addAll(Arrays.asList(o.description())));
            for (String text : described) {
                for (String word : text.split(" ")) {
                    if (!word.isEmpty() && !word.contains("%") && !word.contains("${")) {
                        assertTrue(words.contains(word), name + " --help splits '" + word + "':\n" + help);
                    }
                }
            }
            for (String line : help.split("\n")) {
                assertTrue(line.length() <= 80, name + ": line longer than 80 columns: " + line);
            }
        }
        assertEquals(true, root.getSubcommands().size() >= 5);
    }
}
