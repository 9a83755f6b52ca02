package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

class TmsCircuitsTest {
    static final double EPS = 1e-6;

    static ExperimentSpec spec(Integer instances, int hidden, Integer features, Double p) {
        ModelSpec model = new ModelSpec("tms", null, null, null, null, null, null, null, null, null, null, null,
                "relu", null, instances, hidden, null, null);
        TaskSpec task = new TaskSpec("tms", null, null, null, null, features, p, null, null);
        return new ExperimentSpec("tms", task, model, null, 1L, List.of());
    }

    static double[][] pentagon() {
        double[][] w = new double[5][];
        for (int i = 0; i < 5; i++) {
            double a = 2 * Math.PI * i / 5;
            w[i] = new double[] {Math.cos(a), Math.sin(a)};
        }
        return w;
    }

    /** Instance 0: the pentagon. Instance 1: f0, f1 antipodal on x, f2 alone on y with norm 3, f3 and f4 absent. */
    static Map<String, INDArray> twoInstances() {
        double[][] mixed = {{1, 0}, {-1, 0}, {0, 3}, {0, 0}, {0, 0}};
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("W", Nd4j.createFromArray(new double[][][] {pentagon(), mixed}).castTo(DataType.FLOAT));
        w.put("b_final", Nd4j.createFromArray(new double[][] {{0, 0, 0, 0, 0}, {0.1, 0.2, -0.3, -0.4, 0.5}})
                .castTo(DataType.FLOAT));
        return w;
    }

    static Map<String, CircuitTable> tables(Map<String, INDArray> w, ExperimentSpec spec) {
        List<TableResult> results = CircuitAnalysis.analyse(w, spec);
        results.forEach(r -> assertEquals(null, r.error(), r.name()));
        return results.stream().collect(Collectors.toMap(TableResult::name, TableResult::table,
                (a, b) -> a, LinkedHashMap::new));
    }

    @Test
    void tablesInOrder() {
        Map<String, CircuitTable> t = tables(twoInstances(), spec(2, 2, 5, 0.1));
        assertEquals(List.of("WtW.I0", "feature_geometry.I0", "WtW.I1", "feature_geometry.I1", "dims_per_feature",
                        "basis_alignment", "neuron_polysemanticity.I0", "neuron_polysemanticity.I1", "polysemanticity"),
                List.copyOf(t.keySet()));
    }

    @Test
    void orthogonalFeaturesHaveDimensionalityOneAndNoSuperposition() {
        Map<String, INDArray> w = Map.of("W", Nd4j.createFromArray(new double[][][] {{{2, 0}, {0, 0.5}}}));
        Map<String, CircuitTable> t = tables(w, spec(1, 2, null, null));
        assertArrayEquals(new double[] {4, 0}, t.get("WtW.I0").values()[0], EPS);
        assertArrayEquals(new double[] {0, 0.25}, t.get("WtW.I0").values()[1], EPS);
        CircuitTable g = t.get("feature_geometry.I0");
        assertEquals(List.of("‖W_i‖", "superposition", "D_i", "b_i"), g.colLabels());
        assertArrayEquals(new double[] {2, 0, 1, 0}, g.values()[0], EPS);
        assertArrayEquals(new double[] {0.5, 0, 1, 0}, g.values()[1], EPS);
        // m/‖W‖_F² = 2 / (4 + 0.25); no feature probability in the spec → one column
        CircuitTable dims = t.get("dims_per_feature");
        assertEquals(List.of("m/‖W‖_F²"), dims.colLabels());
        assertEquals(2 / 4.25, dims.values()[0][0], EPS);
    }

    @Test
    void pentagonFeaturesHaveDimensionalityTwoFifths() {
        Map<String, CircuitTable> t = tables(twoInstances(), spec(2, 2, 5, 0.1));
        CircuitTable wtw = t.get("WtW.I0");
        assertEquals(1, wtw.values()[2][2], EPS);
        assertEquals(Math.cos(2 * Math.PI / 5), wtw.values()[0][1], EPS);
        assertEquals(Math.cos(4 * Math.PI / 5), wtw.values()[1][3], EPS);
        for (double[] row : t.get("feature_geometry.I0").values()) {
            // Σ_{k=1..4} cos²(72°·k) = 3/2; D = 1 / (1 + 3/2)
            assertArrayEquals(new double[] {1, 1.5, 0.4, 0}, row, EPS);
        }
        CircuitTable dims = t.get("dims_per_feature");
        assertEquals(List.of("I0", "I1"), dims.rowLabels());
        assertArrayEquals(new double[] {0.4, 0.1, 10}, dims.values()[0], EPS);
    }

    @Test
    void antipodalPairHasDimensionalityOneHalf() {
        Map<String, CircuitTable> t = tables(twoInstances(), spec(2, 2, 5, 0.1));
        double[][] g = t.get("feature_geometry.I1").values();
        assertArrayEquals(new double[] {1, 1, 0.5, 0.1}, g[0], EPS);
        assertArrayEquals(new double[] {1, 1, 0.5, 0.2}, g[1], EPS);
        assertArrayEquals(new double[] {3, 0, 1, -0.3}, g[2], EPS);
        assertArrayEquals(new double[] {0, 0, 0, -0.4}, g[3], EPS, "an absent feature");
        assertEquals(-1, t.get("WtW.I1").values()[0][1], EPS);
        assertEquals(2.0 / 11, t.get("dims_per_feature").values()[1][0], EPS);
        assertTrue(t.get("WtW.I1").description().contains("W Wᵀ"));
    }

    @Test
    void eachInstanceIsPlottedAgainstItsOwnFeatureProbability() {
        ExperimentSpec base = spec(2, 2, 5, null);
        TaskSpec perInstance = new TaskSpec("tms", null, null, null, null, 5, null, null, null, List.of(0.5, 0.01));
        Map<String, CircuitTable> tables = tables(twoInstances(),
                new ExperimentSpec("tms", perInstance, base.model(), null, 1L, List.of()));
        double[][] dims = tables.get("dims_per_feature").values();
        assertArrayEquals(new double[] {0.5, 2}, new double[] {dims[0][1], dims[0][2]}, EPS);
        assertArrayEquals(new double[] {0.01, 100}, new double[] {dims[1][1], dims[1][2]}, EPS);
    }

    @Test
    void anInstanceThatEmbedsNothingStaysFinite() {
        Map<String, INDArray> w = Map.of("W", Nd4j.zeros(DataType.DOUBLE, 1, 3, 2));
        Map<String, CircuitTable> t = tables(w, spec(1, 2, 3, 0.5));
        assertArrayEquals(new double[] {0, 0.5, 2}, t.get("dims_per_feature").values()[0], EPS);
        assertArrayEquals(new double[] {0, 0, 0, 0}, t.get("feature_geometry.I0").values()[1], EPS);
    }

    @Test
    void shapesAreValidatedByName() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CircuitAnalysis.analyse(twoInstances(), spec(2, 3, 5, 0.1)));
        assertEquals("tensor W has shape [2, 5, 2], expected [2, 5, 3]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> CircuitAnalysis.analyse(twoInstances(), spec(2, 2, 4, 0.1)));
        assertEquals("tensor W has shape [2, 5, 2], expected [2, 4, 2]", e.getMessage());
        Map<String, INDArray> badBias = new LinkedHashMap<>(twoInstances());
        badBias.put("b_final", Nd4j.zeros(DataType.FLOAT, 5));
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(badBias, spec(2, 2, 5, 0.1)));
        assertEquals("tensor b_final has shape [5], expected [2, 5]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(Map.of(), spec(2, 2, null, 0.1)));
        assertEquals("missing tensor W, expected shape [2, n_features, 2]", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(twoInstances(),
                spec(null, 2, 5, 0.1)));
        assertEquals("model.nInstances must be a positive integer, is null", e.getMessage());
    }
}
