/**
 * Files a training run reads and writes: checkpoints in the safetensors format ({@link org.gan4j.io.Safetensors}),
 * PNG sample grids ({@link org.gan4j.io.ImageGrid}), loss plots ({@link org.gan4j.io.TrainingPlot}) and the CSV
 * metrics log ({@link org.gan4j.io.MetricsLog}).
 *
 * <p>Every file is written through {@link org.gan4j.io.AtomicFiles}: to a temporary file in the target's folder,
 * forced to disk, then renamed over the target, so a crash never leaves a partial file behind. A malformed checkpoint
 * is a {@link org.gan4j.io.CheckpointFormatException} naming the file, the tensor and the problem.
 */
package org.gan4j.io;
