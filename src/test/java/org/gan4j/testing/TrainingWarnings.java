package org.gan4j.testing;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import org.gan4j.api.GanTraining;

/** Runs of {@link GanTraining} in tests that check the warnings a run reports. */
public final class TrainingWarnings {
    private TrainingWarnings() {
    }

    /** Runs {@code t} to its end and returns the warnings its listener received, in order. */
    public static List<String> runCollecting(GanTraining t) throws IOException {
        List<String> warnings = new ArrayList<>();
        t.run(new GanTraining.Listener() {
            @Override
            public void onWarning(String message) {
                warnings.add(message);
            }
        });
        return warnings;
    }
}
