package org.interplab.core.task;

import java.util.Arrays;
import org.interplab.contracts.spec.TaskSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * TMS data (Elhage et al. 2022): each feature x_j is uniform [0, 1] with probability p and 0 otherwise,
 * independently per feature, example and instance; p is the instance's feature probability
 * ({@link TaskSpec#featureProbabilityOf}), or feature j's own p_j in every instance when the task gives
 * {@code featureProbabilityPerFeature} ({@link TaskSpec#featureProbabilityMatrix}). Batches are [n_instances, batch, n_features]; every instance sees its own
 * samples.
 *
 * <p>Drawn per (instance, feature) column down the batch: a column with p ≥ {@value #SKIP_BELOW} takes one draw per
 * example ({@link ToyData#present}, value from the same draw); a sparser column draws only the gap to its next
 * present example ({@link Rng#nextGeometric}) and that example's value, ≈ 2·p draws per example instead of one.
 */
public final class TmsTask {
    /** Below this p a column skips to its present examples (a logarithm per present example beats 1/p draws). */
    static final double SKIP_BELOW = 0.1;

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

    /** A batch [n_instances, batch, n_features] in the given type; instances, then features, in order. */
    public INDArray sample(int batch, Rng rng, DataType dt) {
        return ToyData.array(sampleValues(batch, rng), dt, probabilities.length, batch, nFeatures);
    }

    /** The same draws as {@link #sample}, as a c-order float array [n_instances, batch, n_features]. */
    public float[] sampleValues(int batch, Rng rng) {
        return sampleValues(batch, rng, new float[probabilities.length * batch * nFeatures]);
    }

    /**
     * The same draws as {@link #sample}, written into {@code into} (a FLOAT c-order [n_instances, batch, n_features]
     * array on the CPU backend, reused from step to step: no fresh 8 MB per step) through {@code buffer} (its length,
     * reused too); falls back to a fresh {@link #sample} for any other array.
     */
    public INDArray sample(int batch, Rng rng, INDArray into, float[] buffer) {
        int n = probabilities.length * batch * nFeatures;
        if (!Nd4j.getEnvironment().isCPU() || into.dataType() != DataType.FLOAT || into.length() != n
                || buffer.length != n || into.ordering() != 'c' || into.isView()) {
            return sample(batch, rng, into.dataType());
        }
        Arrays.fill(buffer, 0f);
        sampleValues(batch, rng, buffer);
        into.data().asNioFloat().put(Math.toIntExact(into.offset()), buffer, 0, n);
        return into;
    }

    /** Draws into x, which must be all zeros. */
    private float[] sampleValues(int batch, Rng rng, float[] x) {
        int perInstance = batch * nFeatures;
        for (int i = 0; i < probabilities.length; i++) {
            int base = i * perInstance;
            for (int j = 0; j < nFeatures; j++) {
                column(x, base + j, batch, probabilities[i][j], rng);
            }
        }
        return x;
    }

    /** Fills x[start + b·nFeatures], b &lt; batch: present with probability p, then uniform [0, 1). */
    private void column(float[] x, int start, int batch, double p, Rng rng) {
        if (p >= SKIP_BELOW) {
            for (int b = 0; b < batch; b++) {
                long draw = rng.nextLong();
                if (ToyData.present(draw, p)) {
                    x[start + b * nFeatures] = (float) ToyData.uniform(draw);
                }
            }
            return;
        }
        if (p <= 0) {
            return;
        }
        double logMiss = Math.log1p(-p);
        long b = rng.nextGeometric(logMiss);
        while (b < batch) {
            x[start + (int) b * nFeatures] = (float) ToyData.uniform(rng.nextLong());
            b += 1 + Math.min(rng.nextGeometric(logMiss), batch);
        }
    }
}
