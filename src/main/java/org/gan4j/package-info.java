/**
 * gan4j: GANs on NVIDIA GPUs and the CPU. The packages form layers; each uses only those below it (held by
 * {@code ArchitectureTest}, which also forbids package cycles):
 * <pre>
 * cli                           the gan4j command line, on the api (and the option types it shows)
 * api                           the embedding API: training runs, sampling, checkpoints, evaluation
 * gan | data | io | metrics     beside each other, on nn: training, datasets, files and plots, measures
 * optim | models                optimizers and model builders, on nn
 * nn                            layers and Model, on the Backend interface
 * backend                       Backend (the coarse ops), Backends, BackendProvider, Capabilities, on tensor
 *   .cpu | .cuda                implementations of backend; nothing names them, Backends finds them by ServiceLoader
 * tensor                        Tensor, Shape, DType, Storage; a tensor sees its backend only as a tensor.Device
 * </pre>
 * Nothing below {@code gan} knows about GANs, datasets or files; nothing outside the CUDA backend's package names a
 * CUDA type, so the CUDA backend can become its own module.
 */
package org.gan4j;
