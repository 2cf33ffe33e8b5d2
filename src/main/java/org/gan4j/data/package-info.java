/**
 * Training data: datasets held in memory and the loader that turns them into batches.
 *
 * <p>A {@link org.gan4j.data.Dataset} is an indexable collection of samples of one static shape; image samples come
 * out as floats in [-1, 1] ({@code x / 127.5 - 1}, what {@code transforms.Normalize((0.5,), (0.5,))} gives in PyTorch).
 * Sources: IDX files (MNIST, Fashion-MNIST, KMNIST, EMNIST) via {@link org.gan4j.data.IdxDataset}, a folder of
 * PNG/JPEG images via {@link org.gan4j.data.ImageFolderDataset}, the 2-D Gaussian mixtures of the mode-collapse
 * literature via {@link org.gan4j.data.Mixture2d}, and generated shapes via {@link org.gan4j.data.SyntheticShapes}.
 * {@link org.gan4j.data.BatchLoader} prepares shuffled NCHW batches on a background thread, reproducibly from a seed.
 *
 * <p>Every problem with the data (missing, truncated or malformed files) is a {@link org.gan4j.data.DatasetException}
 * naming the file and what is wrong.
 */
package org.gan4j.data;
