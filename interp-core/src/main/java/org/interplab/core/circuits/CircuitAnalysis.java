package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.circuits.factored.LmCircuits;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Every circuit table of one checkpoint: transformers, Toy Models of Superposition (tms) and computation in
 * superposition (cis). The weights are validated against the spec first (an unusable checkpoint fails as a whole);
 * after that each table is computed on its own, so one failing table does not lose the others.
 */
public final class CircuitAnalysis {
    private CircuitAnalysis() {
    }

    /**
     * Every table of one checkpoint, chosen by {@code spec.model().kind()}: {@code transformer} (see
     * {@link #transformer}), {@code tms} ({@link TmsCircuits#analyse}) or {@code cis} ({@link CisCircuits#analyse}).
     *
     * @throws IllegalArgumentException when the spec has no model, the kind is unknown, or a tensor is missing or
     *                                  has the wrong shape (the message names the tensor and both shapes)
     */
    public static List<TableResult> analyse(Map<String, INDArray> weights, ExperimentSpec spec) {
        String kind = spec == null || spec.model() == null ? null : spec.model().kind();
        if (kind == null) {
            throw new IllegalArgumentException("a spec with a model is required to analyse a checkpoint");
        }
        BiFunction<Map<String, INDArray>, ExperimentSpec, List<TableResult>> analysis =
                ModelKind.of(kind).map(ANALYSES::get).orElse(null);
        if (analysis == null) {
            throw new IllegalArgumentException("no circuit tables for model kind '" + kind + "'; one of "
                    + String.join(", ", ANALYSES.keySet().stream().map(ModelKind::id).toList()));
        }
        return analysis.apply(weights, spec);
    }

    /** The tables of each model kind (the families are listed by {@link ModelKind#analyses()}). */
    private static final Map<ModelKind, BiFunction<Map<String, INDArray>, ExperimentSpec, List<TableResult>>>
            ANALYSES = new EnumMap<>(Map.of(
                    ModelKind.TRANSFORMER, CircuitAnalysis::transformer,
                    ModelKind.TMS, TmsCircuits::analyse,
                    ModelKind.CIS, CisCircuits::analyse));

    /**
     * Tables, in this order: {@code EU}; per layer l and head h: {@code EQKE.LlHh}, {@code EQKE_pos.LlHh},
     * {@code EVOU.LlHh}, {@code skip_trigrams.LlHh}; then {@code scores_readoff.L0Hh} per head of layer 0 when the
     * task has a readoff token and the model has no LayerNorm; for the xor task, {@code skip_trigram_gap} (the best
     * skip-trigram ensemble's accuracy on the four strings, seed 003); with a readoff and no LayerNorm,
     * {@code head_order}, {@code head_order_reversed} (seed 000) and {@code head_order_tau} (Kendall τ per head
     * pair); when d_head = 2, {@code proj_Q.L0Hh}, {@code proj_K.L0Hh}, {@code proj_V.L0Hh} and {@code proj_O.L0Hh}
     * per head (seed 001 §1); for sequence tasks, run through the model:
     * {@code direct_logit_attribution} (1-layer attention-only models without LayerNorm) and, for addition,
     * {@code attention_pattern.S{k}.LlHh} per sample k of the first {@link ForwardTables#PATTERN_SAMPLES} test
     * sequences and every head, then for addition {@code only_head.LlHh} per head and {@code all_heads_ablated}
     * (seed 001 §1's ablation heatmaps).
     */
    public static List<TableResult> transformer(Map<String, INDArray> weights, ExperimentSpec spec) {
        if (LmCircuits.appliesTo(spec)) {
            // token × token tables over a 50257-token vocabulary (2.5e9 cells each) are summarised from their factors
            return LmCircuits.analyse(weights, spec);
        }
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
        TransformerCircuits.Readoff readoff = circuits.readoff();
        boolean readoffScores = readoff != null && !circuits.hasLayerNorm();
        if (readoffScores) {
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
        if (readoffScores) {
            int[] keys = HeadOrder.keyTokens(spec.task().kind(), circuits.inputLabels(), readoff.token());
            String readoffLabel = circuits.inputLabels().get(readoff.token()) + " at position " + readoff.position();
            results.add(compute("head_order", () -> HeadOrder.table(HeadOrder.rankings(circuits, keys),
                    circuits.inputLabels(), readoffLabel)));
            results.add(compute("head_order_reversed", () -> HeadOrder.reversedTable(
                    HeadOrder.rankings(circuits, keys), circuits.inputLabels())));
            results.add(compute("head_order_tau", () -> HeadOrderTau.table(HeadOrder.rankings(circuits, keys), keys,
                    circuits.inputLabels())));
        }
        if (spec.model().dHead() == 2) {
            for (int h = 0; h < circuits.nHeads(); h++) {
                for (String m : HeadProjections.MATRICES) {
                    int head = h;
                    results.add(compute("proj_" + m + "." + TransformerCircuits.head(0, h), () -> HeadProjections.table(
                            weights, circuits.inputLabels(), head, m, circuits.hasLayerNorm())));
                }
                int head = h;
                results.add(compute("proj_O." + TransformerCircuits.head(0, h), () -> OutputProjection.table(
                        weights, circuits.outputLabels(), head, circuits.hasLayerNorm())));
            }
        }
        String task = spec.task() == null ? null : spec.task().kind();
        if (task != null && TaskShapes.SEQUENCE_TASKS.contains(task)) {
            if (ForwardTables.attributionIsExact(spec.model())) {
                results.add(compute("direct_logit_attribution",
                        () -> ForwardTables.directLogitAttribution(weights, spec)));
            }
            int[][] samples = samplesOrNull(spec);
            if (samples != null) {
                Supplier<Map<String, INDArray>> patterns = once(() -> ForwardTables.patterns(weights, spec, samples));
                for (int k = 0; k < samples.length; k++) {
                    for (int l = 0; l < circuits.nLayers(); l++) {
                        for (int h = 0; h < circuits.nHeads(); h++) {
                            int sample = k, layer = l, head = h;
                            results.add(compute("attention_pattern.S" + k + "." + TransformerCircuits.head(l, h),
                                    () -> ForwardTables.attentionPattern(
                                            patterns.get().get("blocks." + layer + ".attn.hook_pattern"), samples,
                                            sample, layer, head, circuits.inputLabels())));
                        }
                    }
                }
            } else {
                results.add(compute("attention_pattern", () -> {
                    ForwardTables.patternSamples(spec);
                    throw new IllegalStateException("no sample sequences");
                }));
            }
            if ("addition".equals(task)) {
                for (int l = 0; l < circuits.nLayers(); l++) {
                    for (int h = 0; h < circuits.nHeads(); h++) {
                        int layer = l, head = h;
                        results.add(compute("only_head." + TransformerCircuits.head(l, h),
                                () -> ForwardTables.onlyHeadGrid(weights, spec, layer, head)));
                    }
                }
                results.add(compute("all_heads_ablated", () -> ForwardTables.onlyHeadGrid(weights, spec, -1, 0)));
            }
        }
        return results;
    }

    private static int[][] samplesOrNull(ExperimentSpec spec) {
        try {
            int[][] samples = ForwardTables.patternSamples(spec);
            return samples.length == 0 ? null : samples;
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** Runs {@code s} at most once; later calls return its value or rethrow its failure. */
    private static <T> Supplier<T> once(Supplier<T> s) {
        return new Supplier<>() {
            private T value;
            private RuntimeException failure;
            private boolean done;

            @Override
            public T get() {
                if (!done) {
                    done = true;
                    try {
                        value = s.get();
                    } catch (RuntimeException e) {
                        failure = e;
                    }
                }
                if (failure != null) {
                    throw failure;
                }
                return value;
            }
        };
    }

    static TableResult compute(String name, Supplier<CircuitTable> table) {
        try {
            return TableResult.ok(table.get());
        } catch (RuntimeException | OutOfMemoryError e) {
            return TableResult.failed(name, e);
        }
    }
}
