package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.core.model.ModelRegistry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The tables of Elhage et al., "Toy Models of Superposition" (2022), read off a TMS checkpoint: {@code W}
 * [n_instances, n_features, n_hidden] and {@code b_final} [n_instances, n_features] (optional, absent = 0).
 *
 * <p>Convention: the paper writes W as [hidden, features] (feature i is the column W_i) and plots WᵀW. Here W is
 * stored [features, hidden] per instance, so feature i is the row W[i] and the same features × features matrix
 * is W·Wᵀ. Everything below calls a feature's embedding W_i, as the paper does.
 */
public final class TmsCircuits {
    private final int nInstances, nFeatures, nHidden;
    private final double[][][] w;
    private final double[][] bFinal;
    private final org.interplab.contracts.spec.TaskSpec task;

    public TmsCircuits(Map<String, INDArray> weights, ExperimentSpec spec) {
        validate(weights, spec);
        INDArray wt = weights.get("W");
        nInstances = (int) wt.size(0);
        nFeatures = (int) wt.size(1);
        nHidden = (int) wt.size(2);
        w = new double[nInstances][][];
        for (int i = 0; i < nInstances; i++) {
            w[i] = wt.slice(i).castTo(DataType.DOUBLE).toDoubleMatrix();
        }
        INDArray b = weights.get("b_final");
        bFinal = b == null ? new double[nInstances][nFeatures] : b.castTo(DataType.DOUBLE).toDoubleMatrix();
        task = spec.task();
    }

    /**
     * @throws IllegalArgumentException naming the tensor and both shapes, or the spec field that is wrong
     */
    public static void validate(Map<String, INDArray> weights, ExperimentSpec spec) {
        ModelRegistry.of(ModelKind.TMS).validateWeights(weights, spec);
    }

    public int nInstances() {
        return nInstances;
    }

    /** W_i·W_j for features i, j of one instance (the paper's WᵀW). */
    double[][] gram(int instance) {
        if ((long) nFeatures * nFeatures > TransformerCircuits.MAX_TABLE_CELLS) {
            throw new IllegalArgumentException("WᵀW would have " + nFeatures + " × " + nFeatures + " cells, more than "
                    + "the " + TransformerCircuits.MAX_TABLE_CELLS + " a table may hold");
        }
        double[][] wi = w[instance];
        double[][] g = new double[nFeatures][nFeatures];
        for (int a = 0; a < nFeatures; a++) {
            for (int b = a; b < nFeatures; b++) {
                double dot = 0;
                for (int k = 0; k < nHidden; k++) {
                    dot += wi[a][k] * wi[b][k];
                }
                g[a][b] = dot;
                g[b][a] = dot;
            }
        }
        return g;
    }

    /** {@code WtW.I{i}}: features × features. */
    public CircuitTable wtw(int instance) {
        List<String> f = labels("f", nFeatures);
        return new CircuitTable("WtW.I" + instance, "WtW", "WᵀW of instance " + instance + ": feature × feature",
                "W_i·W_j, the TMS paper's WᵀW with W as [hidden, features]; this checkpoint stores W as [features, "
                        + "hidden], so the matrix is computed as W Wᵀ. The diagonal is ‖W_i‖², off-diagonal entries "
                        + "are the interference between features.", "feature", "feature", f, f, gram(instance));
    }

    /**
     * {@code feature_geometry.I{i}}: per feature ‖W_i‖, superposition Σ_{j≠i}(Ŵ_i·W_j)², dimensionality
     * D_i = ‖W_i‖² / Σ_j(Ŵ_i·W_j)², and b_i. A feature with W_i = 0 is not represented: superposition 0, D 0.
     */
    public CircuitTable featureGeometry(int instance) {
        double[][] g = gram(instance);
        double[][] values = new double[nFeatures][];
        for (int a = 0; a < nFeatures; a++) {
            double norm2 = g[a][a];
            double others = 0;
            double all = 0;
            if (norm2 > 0) {
                for (int b = 0; b < nFeatures; b++) {
                    double projected = g[a][b] * g[a][b] / norm2; // (Ŵ_a·W_b)²
                    all += projected;
                    if (b != a) {
                        others += projected;
                    }
                }
            }
            double dimensionality = norm2 > 0 ? norm2 / all : 0;
            values[a] = new double[] {Math.sqrt(norm2), others, dimensionality, bFinal[instance][a]};
        }
        return new CircuitTable("feature_geometry.I" + instance, "feature_geometry",
                "Feature geometry of instance " + instance,
                "Per feature i: ‖W_i‖ (how strongly it is represented), superposition Σ_{j≠i}(Ŵ_i·W_j)² (how much "
                        + "other features share its direction), dimensionality D_i = ‖W_i‖² / Σ_j(Ŵ_i·W_j)² (1 for a "
                        + "dedicated dimension, 1/2 for an antipodal pair, 2/5 in a pentagon) and the output bias "
                        + "b_i. Features with W_i = 0 get superposition 0 and D_i 0.",
                "feature", "measure", labels("f", nFeatures), List.of("‖W_i‖", "superposition", "D_i", "b_i"), values);
    }

    /**
     * {@code dims_per_feature}: per instance m/‖W‖_F² (hidden dimensions per embedded feature; 0 when W = 0, so that
     * every value stays finite JSON),
     * with the task's feature probability p and 1/(1−S) = 1/p when the spec gives p.
     */
    public CircuitTable dimsPerFeature() {
        // per instance: the TMS sparsity sweep varies p across instances (task.featureProbabilities)
        boolean withP = task != null && task.featureProbabilityOf(0, -1) > 0;
        double[][] values = new double[nInstances][];
        for (int i = 0; i < nInstances; i++) {
            double frob2 = 0;
            for (double[] row : w[i]) {
                for (double v : row) {
                    frob2 += v * v;
                }
            }
            double dims = frob2 > 0 ? nHidden / frob2 : 0;
            double p = withP ? task.featureProbabilityOf(i, -1) : -1;
            values[i] = withP ? new double[] {dims, p, 1 / p} : new double[] {dims};
        }
        return new CircuitTable("dims_per_feature", "dims_per_feature", "Dimensions per feature, per instance",
                "m/‖W‖_F² with m = n_hidden = " + nHidden + ": hidden dimensions per (fully) embedded feature, the "
                        + "TMS paper's y-axis, plotted against 1/(1−S) = 1/p for sparsity S = 1 − p; 0 for an instance "
                        + "whose W is zero (it embeds no feature)."
                        + (withP ? " The spec gives one feature probability for every instance." : " The spec gives "
                        + "no feature probability, so only m/‖W‖_F² is listed."),
                "instance", "measure", labels("I", nInstances),
                withP ? List.of("m/‖W‖_F²", "feature probability", "1/(1−S)") : List.of("m/‖W‖_F²"), values);
    }

    /**
     * Whether the features of one instance differ in importance or probability (an importance profile, a decay other
     * than 1, or a per-feature probability): then {@link #featureImportance} is worth a table.
     */
    boolean featuresDiffer() {
        return task != null && (task.importance() != null || task.featureProbabilityPerFeature() != null
                || task.importanceDecay() != null && task.importanceDecay() != 1.0);
    }

    /**
     * {@code feature_importance.I{i}}: per feature j, the task's importance I_j and feature probability p_j beside
     * what the model made of it, ‖W_j‖ and the dimensionality D_j of {@link #featureGeometry} (the TMS paper's
     * non-uniform importance and sparsity: important or dense features get their own dimension, D_j = 1, the others
     * share or drop out).
     */
    public CircuitTable featureImportance(int instance) {
        double[] importance = task.importanceOf(nFeatures);
        double[] p = task.featureProbabilityMatrix(nInstances, nFeatures, 1.0)[instance];
        double[][] geometry = featureGeometry(instance).values();
        double[][] values = new double[nFeatures][];
        for (int j = 0; j < nFeatures; j++) {
            values[j] = new double[] {importance[j], p[j], geometry[j][0], geometry[j][2]};
        }
        return new CircuitTable("feature_importance.I" + instance, "feature_importance",
                "Importance and sparsity per feature of instance " + instance,
                "Per feature j: the task's importance I_j (the weight of its squared error in the loss) and feature "
                        + "probability p_j = 1 − S_j, beside ‖W_j‖ (how strongly the model represents it) and its "
                        + "dimensionality D_j = ‖W_j‖² / Σ_k(Ŵ_j·W_k)² (1 = a dimension of its own). Plot ‖W_j‖ against "
                        + "I_j: with m hidden dimensions and dense features, the m most important are kept.",
                "feature", "measure", labels("f", nFeatures), List.of("importance I_j", "feature probability p_j",
                "‖W_j‖", "D_j"), values);
    }

    /**
     * {@code feature_importance_tau}: per instance, Kendall's τ_b ({@link HeadOrderTau#tauB}) across the features
     * between what the task asks and what the model made of it: ‖W_j‖ against importance I_j, ‖W_j‖ against
     * probability p_j, and D_j against p_j. +1: the order of one is the order of the other; 0 where either is the same
     * for every feature (τ_b is undefined there).
     */
    public CircuitTable featureImportanceTau() {
        double[] importance = task.importanceOf(nFeatures);
        double[][] p = task.featureProbabilityMatrix(nInstances, nFeatures, 1.0);
        double[][] values = new double[nInstances][];
        for (int i = 0; i < nInstances; i++) {
            double[][] geometry = featureGeometry(i).values();
            double[] norm = new double[nFeatures], dims = new double[nFeatures];
            for (int j = 0; j < nFeatures; j++) {
                norm[j] = geometry[j][0];
                dims[j] = geometry[j][2];
            }
            values[i] = new double[] {tau(norm, importance), tau(norm, p[i]), tau(dims, p[i])};
        }
        return new CircuitTable("feature_importance_tau", "feature_importance_tau",
                "Do the features' norms and dimensions follow their importance and probability? (per instance)",
                "Kendall's τ_b across the features of each instance: ‖W_j‖ against the importance I_j, ‖W_j‖ against "
                        + "the feature probability p_j, and the dimensionality D_j against p_j. +1: the more important "
                        + "(or denser) a feature, the larger its norm (or the more of a dimension of its own it has); "
                        + "−1 the reverse; 0 also where the task gives every feature the same value (τ_b undefined).",
                "instance", "measure", labels("I", nInstances),
                List.of("τ_b(‖W_j‖, I_j)", "τ_b(‖W_j‖, p_j)", "τ_b(D_j, p_j)"), values);
    }

    /** τ_b of two value vectors by their ranks (equal values tie); 0 when undefined, so every value stays finite. */
    static double tau(double[] a, double[] b) {
        double t = HeadOrderTau.tauB(ranks(a), ranks(b));
        return Double.isNaN(t) ? 0 : t;
    }

    /** Dense ranks: equal values share a rank, a larger value has a larger rank. */
    static int[] ranks(double[] v) {
        double[] sorted = java.util.Arrays.stream(v).distinct().sorted().toArray();
        int[] r = new int[v.length];
        for (int i = 0; i < v.length; i++) {
            r[i] = java.util.Arrays.binarySearch(sorted, v[i]);
        }
        return r;
    }

    /**
     * Every TMS table: WtW.I{i} and feature_geometry.I{i} per instance (and feature_importance.I{i} when the
     * features differ in importance or probability, {@link #featuresDiffer}, then feature_importance_tau), then
     * dims_per_feature, basis_alignment
     * ({@link BasisAlignment}), neuron_polysemanticity.I{i} per instance and polysemanticity
     * ({@link NeuronPolysemanticity}).
     */
    public static List<TableResult> analyse(Map<String, INDArray> weights, ExperimentSpec spec) {
        TmsCircuits tms = new TmsCircuits(weights, spec);
        List<TableResult> results = new ArrayList<>();
        for (int i = 0; i < tms.nInstances; i++) {
            int instance = i;
            results.add(CircuitAnalysis.compute("WtW.I" + i, () -> tms.wtw(instance)));
            results.add(CircuitAnalysis.compute("feature_geometry.I" + i, () -> tms.featureGeometry(instance)));
            if (tms.featuresDiffer()) {
                results.add(CircuitAnalysis.compute("feature_importance.I" + i, () -> tms.featureImportance(instance)));
            }
        }
        if (tms.featuresDiffer()) {
            results.add(CircuitAnalysis.compute("feature_importance_tau", tms::featureImportanceTau));
        }
        results.add(CircuitAnalysis.compute("dims_per_feature", tms::dimsPerFeature));
        results.add(CircuitAnalysis.compute("basis_alignment", () -> BasisAlignment.table(tms.w, tms.nHidden)));
        results.addAll(NeuronPolysemanticity.tables(tms.w, "f", "W"));
        return results;
    }

    static List<String> labels(String prefix, int n) {
        List<String> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            labels.add(prefix + i);
        }
        return labels;
    }
}
