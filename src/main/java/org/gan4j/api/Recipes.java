package org.gan4j.api;

import org.gan4j.gan.GanLoss;
import org.gan4j.gan.LrSchedule;
import org.gan4j.gan.TrainerConfig;

/**
 * The default recipe of each kind of dataset: architecture and sizes, trainer settings and run length, as
 * {@code gan4j train --dataset X} uses them when no option says otherwise (each option overrides its part).
 *
 * <table>
 * <caption>recipes</caption>
 * <tr><th>data</th><th>model</th><th>trainer</th><th>length</th></tr>
 * <tr><td>ring, grid</td><td>mlp2d, nz 2, 128 hidden units, 3 hidden layers</td>
 *     <td>hinge loss, batch 128, both learning rates 1e-3, Adam (0, 0.9), G-weight average 0.99, linear decay
 *     over the second half of the run; the grid also the R1 penalty with gamma {@value #GRID_R1_GAMMA}</td>
 *     <td>{@link #RING_STEPS} steps (ring), {@link #GRID_STEPS} (grid)</td></tr>
 * <tr><td>28x28 images (Fashion-MNIST, other IDX data, synthetic shapes)</td><td>dcgan28</td>
 *     <td>pytorch/examples dcgan's (non-saturating loss, Adam (0.5, 0.999), D's learning rate 2e-4) but batch
 *     {@value #DCGAN28_BATCH}, G's learning rate {@value #DCGAN28_LR_G} and G's weights averaged with decay
 *     {@value #DCGAN28_EMA}</td><td>1 epoch</td></tr>
 * <tr><td>image folders</td><td>dcgan64</td>
 *     <td>pytorch/examples dcgan's: non-saturating loss, batch 64, both learning rates 2e-4, Adam (0.5, 0.999)</td>
 *     <td>1 epoch</td></tr>
 * </table>
 *
 * <p>What the recipes give, measured with {@code gan4j eval} on several seeds, is in the README (sections "2-D
 * mixtures" and "Fashion-MNIST: gan4j's recipe against PyTorch's"); each was chosen from the runs recorded there.
 */
public final class Recipes {
    /** Steps of the ring recipe. */
    public static final long RING_STEPS = 12_000;
    /** Steps of the grid recipe (longer: its 25 modes need a longer decay to sharpen). */
    public static final long GRID_STEPS = 14_000;
    /** Points of the generated ring and grid data sets in the recipe (fewer epochs, so fewer per-epoch plots). */
    public static final int MIXTURE_POINTS = 100_000;
    /** The grid recipe's R1 weight (the ring's recipe has none). */
    public static final float GRID_R1_GAMMA = 0.1f;
    /**
     * G's learning rate in the dcgan28 recipe, twice D's (2e-4) and twice pytorch/examples dcgan's: on Fashion-MNIST
     * it gave a markedly lower Frechet distance than PyTorch's recipe after one and after five epochs (README,
     * "Fashion-MNIST: gan4j's recipe against PyTorch's").
     */
    public static final float DCGAN28_LR_G = 4e-4f;
    /**
     * Batch size of the dcgan28 recipe, half pytorch/examples dcgan's 64: twice the updates per epoch at about the
     * same cost per image on the CPU; with {@link #DCGAN28_EMA} it gave a markedly lower Frechet distance than batch
     * 64 after one and after five epochs (README, "Fashion-MNIST: gan4j's recipe against PyTorch's").
     */
    public static final int DCGAN28_BATCH = 32;
    /**
     * Decay of the dcgan28 recipe's average of G's weights (about the last 100 steps), which samples, evaluation and
     * checkpoints use; its Frechet distance was below the trained G's own on 12 of the 15 checkpoints measured (seeds
     * 1 to 3, epochs 1 to 5; README, same section).
     */
    public static final float DCGAN28_EMA = 0.99f;

    private Recipes() {
    }

    /**
     * A builder holding {@code data}'s recipe: model, trainer and length; backend, threads, output and checkpoints
     * keep {@link TrainingConfig#builder()}'s defaults.
     */
    public static TrainingConfig.Builder forDataset(DatasetConfig data) {
        TrainingConfig.Builder b = TrainingConfig.builder().dataset(data);
        if (data.isPoints()) {
            return b.model(ModelConfig.of("mlp2d"))
                    .trainer(mixtureTrainer(data.kind()).build())
                    .steps(data.kind() == DatasetConfig.Kind.GRID ? GRID_STEPS : RING_STEPS)
                    .lrSchedule(LrSchedule.linear(0.5));
        }
        if (data.kind() == DatasetConfig.Kind.IMAGE_FOLDER) {
            return b.model(ModelConfig.of("dcgan64")).trainer(TrainerConfig.builder().build()).epochs(1);
        }
        return b.model(ModelConfig.of("dcgan28")).trainer(TrainerConfig.builder().batchSize(DCGAN28_BATCH)
                .lrG(DCGAN28_LR_G).emaDecay(DCGAN28_EMA).build()).epochs(1);
    }

    /** The mixture recipe's trainer settings for the ring or the grid (seed 0; the CLI sets its own). */
    static TrainerConfig.Builder mixtureTrainer(DatasetConfig.Kind kind) {
        return TrainerConfig.builder().loss(GanLoss.HINGE).batchSize(128).lr(1e-3f).betas(0f, 0.9f).emaDecay(0.99f)
                .r1Gamma(kind == DatasetConfig.Kind.GRID ? GRID_R1_GAMMA : 0f);
    }
}
