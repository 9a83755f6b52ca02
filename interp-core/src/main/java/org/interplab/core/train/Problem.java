package org.interplab.core.train;

import java.util.Map;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A model together with its data, as the training loop sees it. One implementation per model kind. */
interface Problem {

    /** Fresh weights under their checkpoint names, deterministic from the seed. */
    Map<String, INDArray> init(long seed);

    /** Examples in one pass over a fixed training set, or 0 when every step draws fresh samples. */
    int trainSize();

    /**
     * Loss and gradients on one batch: the training examples at {@code indices} for a fixed set, or fresh samples
     * drawn from {@code rng} when {@link #trainSize()} is 0. Batch metrics (e.g. {@code train_acc}) only when
     * {@code withMetrics}.
     */
    StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step, boolean withMetrics);

    /** Test metrics ({@code test_loss}, {@code test_acc}, …) of the given weights. */
    Map<String, Double> evaluate(Map<String, INDArray> weights);

    record StepResult(double loss, Map<String, INDArray> grads, Map<String, Double> metrics) {
    }
}
