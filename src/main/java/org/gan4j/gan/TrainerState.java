package org.gan4j.gan;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a {@link GanTrainer} needs besides the networks' {@code stateDict()}s to continue exactly where it stopped:
 * with this and both networks' parameters and buffers restored, the next steps give the same values bit for bit.
 * Random keys are configuration, not state: the trainer must have the same {@link TrainerConfig#seed()} and each
 * model the same constructor seed (the key of its dropout stream) as in the run that saved it.
 *
 * @param step                        steps done (discriminator updates)
 * @param generatorSteps              generator updates done
 * @param randomCounter               counter of the trainer's random stream (noise, labels); its key is the seed
 * @param generatorRandomCounter      counter of the generator model's own stream (dropout)
 * @param discriminatorRandomCounter  counter of the discriminator model's own stream (dropout)
 * @param optimizerState              both Adam states, names prefixed {@code d.} and {@code g.} (e.g.
 *                                    {@code d.exp_avg}); the arrays are not copied, do not modify them
 */
public record TrainerState(long step, long generatorSteps, long randomCounter, long generatorRandomCounter,
        long discriminatorRandomCounter, Map<String, float[]> optimizerState) {

    /** Validates counts and copies the map (not the arrays). */
    public TrainerState {
        if (step < 0 || generatorSteps < 0 || generatorSteps > step) {
            throw new IllegalArgumentException("need 0 <= generatorSteps <= step, got step " + step
                    + ", generatorSteps " + generatorSteps);
        }
        if (optimizerState == null) {
            throw new IllegalArgumentException("optimizerState must not be null");
        }
        optimizerState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(optimizerState));
    }
}
