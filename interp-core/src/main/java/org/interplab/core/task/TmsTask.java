package org.interplab.core.task;

import org.interplab.contracts.spec.TaskSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TMS data (Elhage et al. 2022): each feature x_j is uniform [0, 1] with probability p and 0 otherwise,
 * independently per feature, example and instance; p is the instance's feature probability
 * ({@link TaskSpec#featureProbabilityOf}), or feature j's own p_j in every instance when the task gives
 * {@code featureProbabilityPerFeature} ({@link TaskSpec#featureProbabilityMatrix}). Batches are [n_instances, batch, n_features]; every instance sees its own
 * samples.
 */
public final class TmsTask {
    private final int nFeatures;
    /** p[i][j]: the probability that feature j of instance i is present. */
    private final double[][] probabilities;

    public TmsTask(TaskSpec spec, int nInstances) {
        this.nFeatures = spec.nFeatures();
        this.probabilities = spec.featureProbabilityMatrix(nInstances, nFeatures, 1.0);
    }

    /** p[i][j] per instance i and feature j. */
    public double[][] featureProbabilities() {
        double[][] copy = new double[probabilities.length][];
        for (int i = 0; i < copy.length; i++) {
            copy[i] = probabilities[i].clone();
        }
        return copy;
    }

    /** One draw per (instance, example, feature) in that order, whatever the probabilities. */
    public INDArray sample(int batch, Rng rng, DataType dt) {
        int perInstance = batch * nFeatures;
        float[] x = new float[probabilities.length * perInstance];
        for (int i = 0; i < probabilities.length; i++) {
            double[] p = probabilities[i];
            int base = i * perInstance;
            for (int k = 0; k < perInstance; k++) {
                long draw = rng.nextLong();
                if (ToyData.present(draw, p[k % nFeatures])) {
                    x[base + k] = (float) ToyData.uniform(draw);
                }
            }
        }
        return ToyData.array(x, dt, probabilities.length, batch, nFeatures);
    }
}
