package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.List;

/**
 * How many features each hidden neuron carries, by weight share (issue 11 §3), for TMS (W [features, hidden]) and
 * CiS (W1 [inputs, hidden]) models. For neuron k the share of feature i is s_ik = W_ik² / Σ_j W_jk²; the neuron
 * carries 1/Σ_i s_ik² features effectively (1 for a monosemantic neuron, n when n features share it equally, 0 for a
 * neuron with no input weight), and counts the features with share ≥ {@link #SHARE_THRESHOLD}.
 */
public final class NeuronPolysemanticity {
    public static final double SHARE_THRESHOLD = 0.1;

    private NeuronPolysemanticity() {
    }

    /** Per neuron k of w [features][neurons]: effective features, features ≥ threshold, top feature, top share, ‖W_·k‖. */
    public static double[][] perNeuron(double[][] w) {
        int nFeatures = w.length, nNeurons = nFeatures == 0 ? 0 : w[0].length;
        double[][] out = new double[nNeurons][];
        for (int k = 0; k < nNeurons; k++) {
            double total = 0;
            for (double[] row : w) {
                total += row[k] * row[k];
            }
            double sumShare2 = 0, top = 0;
            int count = 0, topFeature = 0;
            for (int i = 0; i < nFeatures; i++) {
                double share = total > 0 ? w[i][k] * w[i][k] / total : 0;
                sumShare2 += share * share;
                if (share >= SHARE_THRESHOLD && total > 0) {
                    count++;
                }
                if (share > top) {
                    top = share;
                    topFeature = i;
                }
            }
            out[k] = new double[] {sumShare2 > 0 ? 1 / sumShare2 : 0, count, topFeature, top, Math.sqrt(total)};
        }
        return out;
    }

    /** {@code neuron_polysemanticity.I{i}}: per neuron of one instance. */
    public static CircuitTable instanceTable(int instance, double[][] w, String featurePrefix, String matrix) {
        return new CircuitTable("neuron_polysemanticity.I" + instance, "neuron_polysemanticity",
                "Features per hidden neuron of instance " + instance,
                "Per hidden neuron k, the share of feature i in its " + matrix + " column: s_ik = " + matrix
                        + "[i,k]² / Σ_j " + matrix + "[j,k]². Effective features 1/Σ_i s_ik² (1 monosemantic, n for n "
                        + "equal features, 0 for a neuron with no weight); features with share ≥ " + SHARE_THRESHOLD
                        + "; the top feature (index, " + featurePrefix + "0…) and its share; the column norm.",
                "hidden neuron", "measure", TmsCircuits.labels("n", w.length == 0 ? 0 : w[0].length),
                List.of("effective features", "features ≥ " + SHARE_THRESHOLD, "top feature", "top share",
                        "‖" + matrix + "[·,k]‖"), perNeuron(w));
    }

    /**
     * {@code polysemanticity}: rows instances, columns neurons n0…, values the effective features per neuron (the
     * summary that {@code polysemanticity_over_steps} follows across checkpoints).
     */
    public static CircuitTable summary(double[][][] w, String matrix) {
        int nNeurons = w.length == 0 || w[0].length == 0 ? 0 : w[0][0].length;
        double[][] values = new double[w.length][nNeurons];
        for (int i = 0; i < w.length; i++) {
            double[][] per = perNeuron(w[i]);
            for (int k = 0; k < nNeurons; k++) {
                values[i][k] = per[k][0];
            }
        }
        return new CircuitTable("polysemanticity", "polysemanticity", "Effective features per neuron, per instance",
                "1/Σ_i s_ik² with s_ik = " + matrix + "[i,k]² / Σ_j " + matrix + "[j,k]², per instance (rows) and "
                        + "hidden neuron (columns): 1 monosemantic, above 1 polysemantic, 0 no weight.",
                "instance", "hidden neuron", TmsCircuits.labels("I", w.length), TmsCircuits.labels("n", nNeurons),
                values);
    }

    /** The tables of every instance: neuron_polysemanticity.I{i}, then polysemanticity. */
    static List<TableResult> tables(double[][][] w, String featurePrefix, String matrix) {
        List<TableResult> results = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            int instance = i;
            results.add(CircuitAnalysis.compute("neuron_polysemanticity.I" + i,
                    () -> instanceTable(instance, w[instance], featurePrefix, matrix)));
        }
        results.add(CircuitAnalysis.compute("polysemanticity", () -> summary(w, matrix)));
        return results;
    }
}
