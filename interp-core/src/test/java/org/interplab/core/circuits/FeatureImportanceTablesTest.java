package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.FeatureProfile;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * feature_importance.I{i} and feature_importance_tau on a hand-built W whose norms, dimensionalities and τ_b are
 * counted by hand: f0 = (2, 0) and f2 = (1, 0) share the x axis, f1 = (0, 0.5) has y to itself.
 */
class FeatureImportanceTablesTest {
    static final double EPS = 1e-9;

    static ExperimentSpec spec(FeatureProfile importance, FeatureProfile p, Double oneP) {
        ModelSpec model = new ModelSpec("tms", null, null, null, null, null, null, null, null, null, null, null,
                "relu", null, 1, 2, null, null);
        TaskSpec task = new TaskSpec("tms", null, null, null, null, 3, oneP, null, null, null, null, importance, p);
        return new ExperimentSpec("tms", task, model, null, 1L, List.of());
    }

    static Map<String, CircuitTable> tables(ExperimentSpec spec) {
        var w = Map.of("W", Nd4j.createFromArray(new double[][][] {{{2, 0}, {0, 0.5}, {1, 0}}}).castTo(DataType.FLOAT));
        return TmsCircuitsTest.tables(w, spec);
    }

    @Test
    void normsAndDimensionsBesideImportanceAndProbability() {
        Map<String, CircuitTable> t = tables(spec(FeatureProfile.of(List.of(3.0, 1.0, 2.0)),
                FeatureProfile.of(List.of(0.1, 0.5, 0.9)), null));
        CircuitTable f = t.get("feature_importance.I0");
        assertEquals(List.of("importance I_j", "feature probability p_j", "‖W_j‖", "D_j"), f.colLabels());
        // D_0 = 4 / (4 + 1), D_1 = 1, D_2 = 1 / (4 + 1)
        assertArrayEquals(new double[] {3, 0.1, 2, 0.8}, f.values()[0], EPS);
        assertArrayEquals(new double[] {1, 0.5, 0.5, 1}, f.values()[1], EPS);
        assertArrayEquals(new double[] {2, 0.9, 1, 0.2}, f.values()[2], EPS);
        // norms 2 > 1 > 0.5 in the order of importance 3 > 2 > 1: τ = 1; against p (0.1 < 0.5 < 0.9) one pair of
        // three concordant: τ = (1 − 2) / 3, for the norms and for D = (0.8, 1, 0.2) alike
        CircuitTable tau = t.get("feature_importance_tau");
        assertEquals(List.of("τ_b(‖W_j‖, I_j)", "τ_b(‖W_j‖, p_j)", "τ_b(D_j, p_j)"), tau.colLabels());
        assertArrayEquals(new double[] {1, -1.0 / 3, -1.0 / 3}, tau.values()[0], EPS);
    }

    @Test
    void aProfileWithEveryFeatureAlikeGivesTauZeroAndTheTablesFollowGeometry() {
        Map<String, CircuitTable> t = tables(spec(FeatureProfile.geometric(0.5), null, 0.2));
        assertArrayEquals(new double[] {1, 0.2, 2, 0.8}, t.get("feature_importance.I0").values()[0], EPS);
        assertArrayEquals(new double[] {0.25, 0.2, 1, 0.2}, t.get("feature_importance.I0").values()[2], EPS);
        // importance 1 > 0.5 > 0.25 against norms 2, 0.5, 1: pairs (0,1) +, (0,2) +, (1,2) − → τ = 1/3; p all 0.2
        assertArrayEquals(new double[] {1.0 / 3, 0, 0}, t.get("feature_importance_tau").values()[0], EPS);
        double[][] geometry = t.get("feature_geometry.I0").values();
        for (int j = 0; j < 3; j++) {
            assertEquals(geometry[j][0], t.get("feature_importance.I0").values()[j][2], 0);
            assertEquals(geometry[j][2], t.get("feature_importance.I0").values()[j][3], 0);
        }
    }

    @Test
    void uniformFeaturesHaveNoImportanceTables() {
        Map<String, CircuitTable> t = tables(spec(null, null, 0.2));
        assertTrue(t.keySet().stream().noneMatch(n -> n.startsWith("feature_importance")), t.keySet().toString());
    }

    @Test
    void denseRanksTie() {
        assertArrayEquals(new int[] {1, 0, 1, 2}, TmsCircuits.ranks(new double[] {0.5, 0.1, 0.5, 3}));
        assertEquals(0, TmsCircuits.tau(new double[] {1, 2, 3}, new double[] {4, 4, 4}), 0);
        assertEquals(-1, TmsCircuits.tau(new double[] {1, 2, 3}, new double[] {0.3, 0.2, 0.1}), 0);
    }
}
