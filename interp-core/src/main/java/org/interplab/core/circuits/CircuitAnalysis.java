package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every circuit table of one checkpoint. The weights are validated against the spec first (an unusable checkpoint
 * fails as a whole); after that each table is computed on its own, so one failing table does not lose the others.
 */
public final class CircuitAnalysis {
    private CircuitAnalysis() {
    }

    /**
     * Tables, in this order: {@code EU}; per layer l and head h: {@code EQKE.LlHh}, {@code EQKE_pos.LlHh},
     * {@code EVOU.LlHh}, {@code skip_trigrams.LlHh}; then {@code scores_readoff.L0Hh} per head of layer 0 when the
     * task has a readoff token and the model has no LayerNorm; for the xor task, {@code skip_trigram_gap} (the best
     * skip-trigram ensemble's accuracy on the four strings, seed 003).
     *
     * @throws IllegalArgumentException when a tensor is missing or has the wrong shape (message names both shapes)
     */
    public static List<TableResult> analyse(Map<String, INDArray> weights, ExperimentSpec spec) {
        TransformerCircuits circuits = new TransformerCircuits(weights, spec);
        List<TableResult> results = new ArrayList<>();
        results.add(compute("EU", circuits::directPath));
        for (int l = 0; l < circuits.nLayers(); l++) {
            for (int h = 0; h < circuits.nHeads(); h++) {
                int layer = l, head = h;
                String label = TransformerCircuits.head(l, h);
                results.add(compute("EQKE." + label, () -> circuits.eqke(layer, head)));
                results.add(compute("EQKE_pos." + label, () -> circuits.eqkePos(layer, head)));
                results.add(compute("EVOU." + label, () -> circuits.evou(layer, head)));
                results.add(compute("skip_trigrams." + label, () -> SkipTrigrams.table(circuits, layer, head)));
            }
        }
        if (circuits.readoff() != null && !circuits.hasLayerNorm()) {
            for (int h = 0; h < circuits.nHeads(); h++) {
                int head = h;
                results.add(compute("scores_readoff." + TransformerCircuits.head(0, h),
                        () -> circuits.scoresReadoff(head)));
            }
        }
        if (spec.task() != null && "xor".equals(spec.task().kind())) {
            results.add(compute("skip_trigram_gap", () -> SkipTrigramGap.table(
                    SkipTrigramGap.xorExamples(TaskShapes.of(spec.task())), circuits.inputLabels().size(),
                    circuits.outputLabels().size(), "the four XOR strings")));
        }
        return results;
    }

    static TableResult compute(String name, Supplier<CircuitTable> table) {
        try {
            return TableResult.ok(table.get());
        } catch (RuntimeException | OutOfMemoryError e) {
            return TableResult.failed(name, e);
        }
    }
}
