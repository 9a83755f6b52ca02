package org.interplab.core.task;

import org.interplab.contracts.spec.TaskSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * TMS data (Elhage et al. 2022): each feature x_j is uniform [0, 1] with probability p and 0 otherwise,
 * independently per feature, example and instance; p is the instance's feature probability
 * ({@link TaskSpec#featureProbabilityOf}). Batches are [n_instances, batch, n_features]; every instance sees its own
 * samples.
 */
public final class TmsTask {
    private final int nFeatures;
    private final double[] probabilities;

    public TmsTask(TaskSpec spec, int nInstances) {
        this.nFeatures = spec.nFeatures();
        this.probabilities = ToyData.probabilities(spec, nInstances, 1.0);
    }

    public double[] probabilities() {
        return probabilities.clone();
    }

    public INDArray sample(int batch, Rng rng, DataType dt) {
        int perInstance = batch * nFeatures;
        float[] x = new float[probabilities.length * perInstance];
        for (int i = 0; i < probabilities.length; i++) {
            double p = probabilities[i];
            int base = i * perInstance;
            for (int k = 0; k < perInstance; k++) {
                long draw = rng.nextLong();
                if (ToyData.present(draw, p)) {
                    x[base + k] = (float) ToyData.uniform(draw);
                }
            }
        }
        return ToyData.array(x, dt, probabilities.length, batch, nFeatures);
    }
}
