package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CisCircuitsTest {
    static final double EPS = 1e-6;

    static ExperimentSpec spec(int instances, int hidden) {
        ModelSpec model = new ModelSpec("cis", null, null, null, null, null, null, null, null, null, null, null,
                "relu", null, instances, hidden, null, null);
        return new ExperimentSpec("cis", new TaskSpec("cis", null, null, null, null, 2, null, null, "and"), model,
                null, 1L, List.of());
    }

    /** 2 instances, 2 input features, 3 hidden neurons, 1 output (AND-shaped). */
    static Map<String, INDArray> weights() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("W1", Nd4j.createFromArray(new double[][][] {
                {{1, 2, 0}, {0, 1, -1}},
                {{-1, 0.5, 2}, {3, 0, 1}}}).castTo(DataType.FLOAT));
        w.put("b1", Nd4j.createFromArray(new double[][] {{0.1, -0.2, 0.3}, {0, 0, -1}}).castTo(DataType.FLOAT));
        w.put("W2", Nd4j.createFromArray(new double[][][] {{{1}, {2}, {3}}, {{0.5}, {-2}, {1}}})
                .castTo(DataType.FLOAT));
        w.put("b2", Nd4j.createFromArray(new double[][] {{-0.5}, {0.25}}).castTo(DataType.FLOAT));
        return w;
    }

    @Test
    void handCheckedTables() {
        List<TableResult> results = CircuitAnalysis.analyse(weights(), spec(2, 3));
        assertEquals(List.of("W1.I0", "W2.I0", "W1W2.I0", "neuron_contributions.I0",
                        "W1.I1", "W2.I1", "W1W2.I1", "neuron_contributions.I1", "dead_neurons",
                        "neuron_polysemanticity.I0", "neuron_polysemanticity.I1", "polysemanticity"),
                results.stream().map(TableResult::name).toList());
        results.forEach(r -> assertNull(r.error(), r.name()));
        Map<String, CircuitTable> t = results.stream().collect(Collectors.toMap(TableResult::name, TableResult::table));

        CircuitTable w1 = t.get("W1.I1");
        assertEquals(List.of("x0", "x1"), w1.rowLabels());
        assertEquals(List.of("n0", "n1", "n2"), w1.colLabels());
        assertArrayEquals(new double[] {3, 0, 1}, w1.values()[1], EPS);
        CircuitTable w2 = t.get("W2.I0");
        assertEquals(List.of("y0"), w2.colLabels());
        assertArrayEquals(new double[] {3}, w2.values()[2], EPS);

        // instance 0: x0 → 1·1 + 2·2 + 0·3 = 5, x1 → 0·1 + 1·2 − 1·3 = −1
        assertArrayEquals(new double[] {5}, t.get("W1W2.I0").values()[0], EPS);
        assertArrayEquals(new double[] {-1}, t.get("W1W2.I0").values()[1], EPS);
        // instance 1: x0 → −0.5 − 1 + 2 = 0.5, x1 → 1.5 + 0 + 1 = 2.5
        assertArrayEquals(new double[] {0.5}, t.get("W1W2.I1").values()[0], EPS);
        assertArrayEquals(new double[] {2.5}, t.get("W1W2.I1").values()[1], EPS);

        CircuitTable neurons = t.get("neuron_contributions.I0");
        assertEquals(List.of("in x0", "in x1", "b1", "out y0"), neurons.colLabels());
        assertEquals(List.of("n0", "n1", "n2"), neurons.rowLabels());
        assertArrayEquals(new double[] {2, 1, -0.2, 2}, neurons.values()[1], EPS);
        assertArrayEquals(new double[] {0, -1, 0.3, 3}, neurons.values()[2], EPS);
        assertArrayEquals(new double[] {2, 1, -1, 1}, t.get("neuron_contributions.I1").values()[2], EPS);
    }

    @Test
    void biasesAreOptional() {
        Map<String, INDArray> w = weights();
        w.remove("b1");
        w.remove("b2");
        List<TableResult> results = CircuitAnalysis.analyse(w, spec(2, 3));
        CircuitTable neurons = results.stream().filter(r -> r.name().equals("neuron_contributions.I0")).findFirst()
                .orElseThrow().table();
        assertArrayEquals(new double[] {1, 0, 0, 1}, neurons.values()[0], EPS);
    }

    @Test
    void shapesAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CircuitAnalysis.analyse(weights(), spec(2, 4)));
        assertEquals("tensor W1 has shape [2, 2, 3], expected [2, 2, 4]", e.getMessage());
        Map<String, INDArray> badW2 = weights();
        badW2.put("W2", Nd4j.zeros(DataType.FLOAT, 2, 2, 1));
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(badW2, spec(2, 3)));
        assertEquals("tensor W2 has shape [2, 2, 1], expected [2, 3, n_out]", e.getMessage());
        Map<String, INDArray> badB2 = weights();
        badB2.put("b2", Nd4j.zeros(DataType.FLOAT, 2, 2));
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(badB2, spec(2, 3)));
        assertEquals("tensor b2 has shape [2, 2], expected [2, 1]", e.getMessage());
        Map<String, INDArray> noW1 = weights();
        noW1.remove("W1");
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(noW1, spec(2, 3)));
        assertEquals("missing tensor W1, expected shape [2, 2, 3]", e.getMessage());
    }

    @Test
    void unknownModelKindIsRefused() {
        ModelSpec model = new ModelSpec("rnn", null, null, null, null, null, null, null, null, null, null, null, null,
                null, null, null, null, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(
                weights(), new ExperimentSpec("x", null, model, null, 1L, List.of())));
        assertEquals("no circuit tables for model kind 'rnn'; one of transformer, tms, cis", e.getMessage());
    }
}
