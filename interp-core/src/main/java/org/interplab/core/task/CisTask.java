package org.interplab.core.task;

import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Computation-in-superposition data (seed 001 §4). Inputs [n_instances, batch, n_features]:
 * <ul>
 *   <li>abs, square, max-abs: x_k uniform [−1, 1] with probability p, else 0 (default p = 1: dense);</li>
 *   <li>and, or: bits x_k ∈ {0, 1}, 1 with probability p (default 0.5).</li>
 * </ul>
 * Targets [n_instances, batch, n_out]: abs |x_k| and square x_k² per feature (n_out = n_features); max-abs
 * max_k |x_k|, and Π_k x_k (1 iff every bit is 1), or max_k x_k (1 iff some bit is 1), each one output. With two
 * features these are seed 001's |x|, x², max(|x|, |y|), x AND y, x OR y.
 */
public final class CisTask {
    public record Batch(INDArray x, INDArray target) {
    }

    private final String function;
    private final int nFeatures;
    private final int nOut;
    private final double[] probabilities;
    private final boolean bits;

    public CisTask(TaskSpec spec, int nInstances) {
        this.function = spec.function();
        this.nFeatures = spec.nFeatures();
        this.nOut = SpecValidator.cisOutputs(function, nFeatures);
        this.bits = "and".equals(function) || "or".equals(function);
        if (!SpecValidator.CIS_FUNCTIONS.contains(function)) {
            throw new IllegalArgumentException("unknown cis function '" + function + "'");
        }
        this.probabilities = ToyData.probabilities(spec, nInstances, bits ? 0.5 : 1.0);
    }

    public int nOut() {
        return nOut;
    }

    public Batch sample(int batch, Rng rng, DataType dt) {
        int nInst = probabilities.length;
        float[] x = new float[nInst * batch * nFeatures];
        float[] y = new float[nInst * batch * nOut];
        for (int i = 0; i < nInst; i++) {
            double p = probabilities[i];
            for (int b = 0; b < batch; b++) {
                int row = (i * batch + b) * nFeatures;
                for (int k = 0; k < nFeatures; k++) {
                    long draw = rng.nextLong();
                    boolean on = ToyData.present(draw, p);
                    x[row + k] = bits ? (on ? 1f : 0f) : on ? (float) (2 * ToyData.uniform(draw) - 1) : 0f;
                }
                target(x, row, y, (i * batch + b) * nOut);
            }
        }
        return new Batch(ToyData.array(x, dt, nInst, batch, nFeatures), ToyData.array(y, dt, nInst, batch, nOut));
    }

    private void target(float[] x, int row, float[] y, int out) {
        switch (function) {
            case "abs" -> {
                for (int k = 0; k < nFeatures; k++) {
                    y[out + k] = Math.abs(x[row + k]);
                }
            }
            case "square" -> {
                for (int k = 0; k < nFeatures; k++) {
                    y[out + k] = x[row + k] * x[row + k];
                }
            }
            case "max-abs" -> {
                float m = 0;
                for (int k = 0; k < nFeatures; k++) {
                    m = Math.max(m, Math.abs(x[row + k]));
                }
                y[out] = m;
            }
            case "and" -> {
                float all = 1;
                for (int k = 0; k < nFeatures; k++) {
                    all *= x[row + k];
                }
                y[out] = all;
            }
            case "or" -> {
                float any = 0;
                for (int k = 0; k < nFeatures; k++) {
                    any = Math.max(any, x[row + k]);
                }
                y[out] = any;
            }
            default -> throw new IllegalStateException(function);
        }
    }
}
