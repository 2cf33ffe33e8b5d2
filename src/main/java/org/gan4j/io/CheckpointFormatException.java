package org.gan4j.io;

import java.nio.file.Path;

/**
 * A checkpoint file that is not valid safetensors or does not fit what it is loaded into. The message names the file,
 * the tensor (where one is involved) and what is wrong.
 */
public class CheckpointFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** {@code "<file>: tensor '<tensor>': <problem>"}, or without the tensor part when {@code tensor} is null. */
    public CheckpointFormatException(Path file, String tensor, String problem) {
        super(file + ": " + (tensor == null ? "" : "tensor '" + tensor + "': ") + problem);
    }

    /** An error with this message and cause. */
    public CheckpointFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
