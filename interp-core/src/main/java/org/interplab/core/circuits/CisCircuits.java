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
 * Computation in superposition (seed 001 §4): per instance y = act(act(x·W1 + b1)·W2 + b2) with {@code W1}
 * [n_instances, n_features, n_hidden], {@code b1} [n_instances, n_hidden], {@code W2} [n_instances, n_hidden,
 * n_out], {@code b2} [n_instances, n_out]. n_out is W2's last dimension: n_features for |x| and x², 1 for AND, OR
 * and max(|x|,|y|). Biases are optional (absent = 0). Inputs are labelled x0…, hidden neurons n0…, outputs y0….
 */
public final class CisCircuits {
    private final int nInstances, nFeatures, nHidden, nOut;
    private final double[][][] w1, w2;
    private final double[][] b1, b2;
    private final String function, activation;

    public CisCircuits(Map<String, INDArray> weights, ExperimentSpec spec) {
        validate(weights, spec);
        INDArray w1t = weights.get("W1"), w2t = weights.get("W2");
        nInstances = (int) w1t.size(0);
        nFeatures = (int) w1t.size(1);
        nHidden = (int) w1t.size(2);
        nOut = (int) w2t.size(2);
        w1 = new double[nInstances][][];
        w2 = new double[nInstances][][];
        for (int i = 0; i < nInstances; i++) {
            w1[i] = w1t.slice(i).castTo(DataType.DOUBLE).toDoubleMatrix();
            w2[i] = w2t.slice(i).castTo(DataType.DOUBLE).toDoubleMatrix();
        }
        b1 = matrixOrZero(weights.get("b1"), nInstances, nHidden);
        b2 = matrixOrZero(weights.get("b2"), nInstances, nOut);
        function = spec.task() == null ? null : spec.task().function();
        activation = spec.model().actFn() == null ? "relu" : spec.model().actFn();
    }

    private static double[][] matrixOrZero(INDArray m, int rows, int cols) {
        return m == null ? new double[rows][cols] : m.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    /**
     * @throws IllegalArgumentException naming the tensor and both shapes, or the spec field that is wrong
     */
    public static void validate(Map<String, INDArray> weights, ExperimentSpec spec) {
        ModelRegistry.of(ModelKind.CIS).validateWeights(weights, spec);
    }

    public int nInstances() {
        return nInstances;
    }

    private List<String> inputs() {
        return TmsCircuits.labels("x", nFeatures);
    }

    private List<String> neurons() {
        return TmsCircuits.labels("n", nHidden);
    }

    private List<String> outputs() {
        return TmsCircuits.labels("y", nOut);
    }

    private static double[][] copy(double[][] m) {
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    /** {@code W1.I{i}}: input feature × hidden neuron. */
    public CircuitTable w1(int instance) {
        return new CircuitTable("W1.I" + instance, "W1", "W1 of instance " + instance + ": input → hidden",
                "W1[x, n]: how much input feature x drives hidden neuron n (before b1 and the activation).",
                "input feature", "hidden neuron", inputs(), neurons(), copy(w1[instance]));
    }

    /** {@code W2.I{i}}: hidden neuron × output. */
    public CircuitTable w2(int instance) {
        return new CircuitTable("W2.I" + instance, "W2", "W2 of instance " + instance + ": hidden → output",
                "W2[n, y]: how much hidden neuron n writes to output y (before b2 and the activation).",
                "hidden neuron", "output", neurons(), outputs(), copy(w2[instance]));
    }

    /** {@code W1W2.I{i}}: input feature × output, W1·W2 (the linear path; the activation between is left out). */
    public CircuitTable w1w2(int instance) {
        double[][] product = new double[nFeatures][nOut];
        for (int x = 0; x < nFeatures; x++) {
            for (int y = 0; y < nOut; y++) {
                double s = 0;
                for (int n = 0; n < nHidden; n++) {
                    s += w1[instance][x][n] * w2[instance][n][y];
                }
                product[x][y] = s;
            }
        }
        return new CircuitTable("W1W2.I" + instance, "W1W2", "W1·W2 of instance " + instance + ": input → output",
                "W1·W2, the combined weights as if the hidden activation were the identity. W1 and W2 are only "
                        + "defined up to a positive rescaling of each neuron, so their product is what compares "
                        + "across runs.", "input feature", "output", inputs(), outputs(), product);
    }

    /**
     * {@code neuron_contributions.I{i}}: per hidden neuron its input weights W1[·, n], its bias b1[n] and its
     * output weights W2[n, ·], stacked in one row (the seed's per-neuron stacks).
     */
    public CircuitTable neuronContributions(int instance) {
        List<String> cols = new ArrayList<>();
        inputs().forEach(x -> cols.add("in " + x));
        cols.add("b1");
        outputs().forEach(y -> cols.add("out " + y));
        double[][] values = new double[nHidden][nFeatures + 1 + nOut];
        for (int n = 0; n < nHidden; n++) {
            for (int x = 0; x < nFeatures; x++) {
                values[n][x] = w1[instance][x][n];
            }
            values[n][nFeatures] = b1[instance][n];
            for (int y = 0; y < nOut; y++) {
                values[n][nFeatures + 1 + y] = w2[instance][n][y];
            }
        }
        return new CircuitTable("neuron_contributions.I" + instance, "neuron_contributions",
                "Per-neuron weights of instance " + instance,
                "One row per hidden neuron n: W1[x, n] for every input x, the bias b1[n], then W2[n, y] for every "
                        + "output y: what the neuron reads and what it writes.",
                "hidden neuron", "weight", neurons(), cols, values);
    }

    /**
     * Every CiS table, per instance: W1.I{i}, W2.I{i}, W1W2.I{i}, neuron_contributions.I{i}; then dead_neurons
     * ({@link DeadNeurons}), neuron_polysemanticity.I{i} per instance and polysemanticity
     * ({@link NeuronPolysemanticity}, over W1).
     */
    public static List<TableResult> analyse(Map<String, INDArray> weights, ExperimentSpec spec) {
        CisCircuits cis = new CisCircuits(weights, spec);
        List<TableResult> results = new ArrayList<>();
        for (int i = 0; i < cis.nInstances; i++) {
            int instance = i;
            results.add(CircuitAnalysis.compute("W1.I" + i, () -> cis.w1(instance)));
            results.add(CircuitAnalysis.compute("W2.I" + i, () -> cis.w2(instance)));
            results.add(CircuitAnalysis.compute("W1W2.I" + i, () -> cis.w1w2(instance)));
            results.add(CircuitAnalysis.compute("neuron_contributions.I" + i, () -> cis.neuronContributions(instance)));
        }
        results.add(CircuitAnalysis.compute("dead_neurons",
                () -> DeadNeurons.table(cis.w1, cis.b1, cis.function, cis.activation)));
        results.addAll(NeuronPolysemanticity.tables(cis.w1, "x", "W1"));
        return results;
    }
}
