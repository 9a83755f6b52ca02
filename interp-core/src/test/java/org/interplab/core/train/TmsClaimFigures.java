package org.interplab.core.train;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.circuits.CircuitAnalysis;
import org.interplab.core.circuits.TableResult;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Not a test (surefire's default includes skip it): trains the presets behind the Reproductions page's TMS
 * comparison claims in-process and prints the tables their figures come from, e.g.
 * {@code mvn -o -pl contracts,interp-core test -Dtest='TmsClaimFigures#dropout' -Dsurefire.failIfNoSpecifiedTests=false}.
 * The page computes the same figures from runs of the product; this is for a quick look without a stack.
 */
class TmsClaimFigures {
    /** Steps of the tms-sparsity runs (the preset's 10 000 take ≈ 30 min per activation on one busy core). */
    static final int SPARSITY_STEPS = Integer.getInteger("tms.claims.steps", 3000);

    static List<TableResult> train(String preset, String overrides) throws Exception {
        ExperimentSpec spec = Presets.expand(preset, 1L, Json.MAPPER.readTree(overrides));
        RecordingListener listener = new RecordingListener();
        long start = System.nanoTime();
        Trainer.train(spec, null, listener);
        Map<String, INDArray> w = listener.checkpoints.get(listener.checkpoints.size() - 1).weights();
        System.out.printf("%s %s: %.0f s%n", preset, overrides, (System.nanoTime() - start) / 1e9);
        return CircuitAnalysis.analyse(w, spec);
    }

    static void print(List<TableResult> tables, String... names) {
        for (TableResult r : tables) {
            if (Arrays.asList(names).contains(r.name())) {
                System.out.println(r.name() + " " + Arrays.deepToString(r.table().values()));
            }
        }
    }

    /** tms-dropout-vs-baseline: dims_per_feature at p = 0.1 with dropout 0 and 0.5. */
    @Test
    void dropout() throws Exception {
        for (String d : List.of("0.0", "0.5")) {
            print(train("tms-dropout-sweep", "{\"task\":{\"featureProbability\":0.1},\"model\":{\"dropout\":" + d
                    + "}}"), "dims_per_feature", "basis_alignment");
        }
    }

    /**
     * Seed 001 §4's three phases of the ReLU output model as dropout grows (rotation invariant → anti-aligned →
     * basis-aligned beyond 50 %): basis_alignment across a dropout sweep at p = 0.1 ({@code -Dtms.claims.dropouts}).
     */
    @Test
    void dropoutPhases() throws Exception {
        for (String d : System.getProperty("tms.claims.dropouts", "0.0,0.1,0.2,0.3,0.5,0.7,0.8,0.9").split(",")) {
            print(train("tms-dropout-sweep", "{\"task\":{\"featureProbability\":0.1},\"model\":{\"dropout\":" + d
                    + "}}"), "basis_alignment", "dims_per_feature");
        }
    }

    /** tms-gelu-vs-relu: dims_per_feature across the 20 sparsities with ReLU and GeLU. */
    @Test
    void activation() throws Exception {
        for (String act : List.of("relu", "gelu")) {
            print(train("tms-sparsity", "{\"model\":{\"actFn\":\"" + act + "\"},\"training\":{\"steps\":"
                    + SPARSITY_STEPS + "}}"), "dims_per_feature");
        }
    }

    /** tms-nonuniform-sparsity: τ_b(D_j, p_j) and the features of instance 0. */
    @Test
    void nonuniform() throws Exception {
        print(train("tms-nonuniform", "{}"), "feature_importance_tau", "feature_importance.I0", "dims_per_feature");
    }
}
