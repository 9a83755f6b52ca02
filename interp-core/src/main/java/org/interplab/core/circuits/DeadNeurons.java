package org.interplab.core.circuits;

import java.util.List;

/**
 * Dead hidden neurons of a CiS model (issue 11 §3; seed 001 §4: AND and OR fail in 2 or 3 of 4 instances because
 * with 2 hidden units neurons die at initialisation). A neuron is dead when its pre-activation x·W1[·,k] + b1[k] is
 * ≤ 0 for every input of the task's domain: its ReLU output and gradient are then 0 for all data, so training never
 * revives it. The maximum over the domain has a closed form: for bits (and, or: x ∈ {0,1}ⁿ) b1[k] + Σ_i max(0,
 * W1[i,k]); for continuous inputs (x_i ∈ [−1, 1], or 0) b1[k] + Σ_i |W1[i,k]|.
 */
public final class DeadNeurons {
    private DeadNeurons() {
    }

    /** Whether the task's inputs are bits (and, or) rather than values in [−1, 1]. */
    public static boolean bitInputs(String function) {
        return "and".equals(function) || "or".equals(function);
    }

    /** The largest pre-activation of each neuron k over the input domain, for W1 [inputs][neurons] and b1. */
    public static double[] maxPreActivation(double[][] w1, double[] b1, boolean bits) {
        double[] max = b1.clone();
        for (double[] row : w1) {
            for (int k = 0; k < max.length; k++) {
                max[k] += bits ? Math.max(0, row[k]) : Math.abs(row[k]);
            }
        }
        return max;
    }

    /**
     * {@code dead_neurons}: rows instances; per neuron its largest pre-activation over the domain (≤ 0 = dead),
     * then the number of dead neurons.
     */
    public static CircuitTable table(double[][][] w1, double[][] b1, String function, String activation) {
        boolean bits = bitInputs(function);
        int nNeurons = w1.length == 0 ? 0 : b1[0].length;
        double[][] values = new double[w1.length][nNeurons + 1];
        int deadInstances = 0;
        for (int i = 0; i < w1.length; i++) {
            double[] max = maxPreActivation(w1[i], b1[i], bits);
            int dead = 0;
            for (int k = 0; k < nNeurons; k++) {
                values[i][k] = max[k];
                if (max[k] <= 0) {
                    dead++;
                }
            }
            values[i][nNeurons] = dead;
            if (dead > 0) {
                deadInstances++;
            }
        }
        List<String> cols = new java.util.ArrayList<>();
        TmsCircuits.labels("max pre n", nNeurons).forEach(cols::add);
        cols.add("dead");
        return new CircuitTable("dead_neurons", "dead_neurons", "Dead hidden neurons, per instance",
                "Per neuron k the largest pre-activation x·W1[·,k] + b1[k] over every input of the task ("
                        + (bits ? "bits x ∈ {0,1}ⁿ: b1[k] + Σ_i max(0, W1[i,k])" : "x_i ∈ [−1, 1]: b1[k] + Σ_i "
                        + "|W1[i,k]|") + "); ≤ 0 means the neuron is dead: it never fires"
                        + ("relu".equals(activation) ? " and gets no gradient" : " (with " + activation + " it still "
                        + "passes a small gradient)") + ". Last column: dead neurons of the instance. " + deadInstances
                        + " of " + w1.length + " instances have a dead neuron. Remedy (seed 001 §4): more instances, "
                        + "more hidden units, or an init with positive b1.", "instance", "neuron", TmsCircuits.labels(
                        "I", w1.length), cols, values);
    }
}
