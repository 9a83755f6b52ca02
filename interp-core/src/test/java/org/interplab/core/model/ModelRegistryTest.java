package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** One registry entry per model kind; the contracts' parameter count agrees with the tensors interp-core makes. */
class ModelRegistryTest {
    private static final List<String> PRESETS = List.of("xor", "ov-coherent", "ov-coherent-1head", "addition",
            "tms-intro", "tms-sparsity", "cis-abs", "cis-and", "cis-square");

    private static long count(Map<String, long[]> shapes) {
        return shapes.values().stream().mapToLong(s -> Arrays.stream(s).reduce(1, (a, b) -> a * b)).sum();
    }

    @Test
    void everyKindHasAnEntryAndTheParameterCountsAgree() {
        for (ModelKind kind : ModelKind.values()) {
            assertEquals(kind, ModelRegistry.of(kind).kind());
            assertFalse(kind.analyses().isEmpty(), kind + " lists its analyses");
        }
        for (String preset : PRESETS) {
            ExperimentSpec spec = Presets.expand(preset, 1L, null);
            ModelRegistry.Entry entry = ModelRegistry.of(spec);
            Map<String, INDArray> init = entry.init(spec, 1);
            assertEquals(entry.shapes(spec).keySet(), init.keySet(), preset);
            ModelKind kind = entry.kind();
            assertEquals(count(entry.shapes(spec)), kind.parameterCount(spec.model(), spec.task()), preset);
            entry.validateWeights(init, spec);
        }
    }

    /** A GPT-Neo-shaped LM: tied (no W_U parameter), exported W_U = W_Eᵀ; counts in long arithmetic. */
    @Test
    void languageModelShapesTiedExportAndNoOverflow() {
        ModelSpec lm = new ModelSpec("transformer", 2, 16, 64, 1024, 2048, 50257, 50257, 4096, false, "LN", false,
                "gelu_new", null, null, null, null, null, List.of("global", "local"), 256, 1e-5, true);
        ExperimentSpec spec = new ExperimentSpec("lm", TaskSpec.of("xor"), lm, null, 1L, null);
        Map<String, long[]> shapes = ModelRegistry.of(spec).shapes(spec);
        assertFalse(shapes.containsKey("unembed.W_U"));
        assertEquals(count(shapes), ModelKind.TRANSFORMER.parameterCount(lm, null));
        long bytes = ModelKind.TRANSFORMER.trainingBytes(lm, null, 64);
        assertTrue(bytes > SpecValidator.MEMORY_BUDGET_BYTES, "batch 64 × 2048 × 50257 logits cannot fit: " + bytes);

        Transformer.Config small = new Transformer.Config(1, 2, 2, 4, 3, 5, 5, 0, true, false, false,
                Activation.RELU, List.of("global"), 0, 1e-5, true);
        Map<String, INDArray> params = Transformer.init(small, 2);
        Map<String, INDArray> exported = Transformer.exportWeights(small, params);
        assertEquals(params.get("embed.W_E").transpose(), exported.get("unembed.W_U"));
        new Transformer(small, exported); // a checkpoint with the exported W_U loads back
    }

    @Test
    void uploadValidationNamesTheTensor() {
        ExperimentSpec spec = Presets.expand("addition", 1L, null);
        ModelRegistry.Entry entry = ModelRegistry.of(spec);
        Map<String, INDArray> weights = new LinkedHashMap<>(entry.init(spec, 1));
        weights.remove("blocks.0.attn.b_Q"); // biases are optional
        entry.validateWeights(weights, spec);
        weights.put("blocks.0.attn.W_O", Nd4j.zeros(32, 2, 127));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> entry.validateWeights(weights, spec));
        assertEquals("tensor blocks.0.attn.W_O has shape [32, 2, 127], expected [32, 2, 128]", e.getMessage());
        weights.remove("blocks.0.attn.W_O");
        e = assertThrows(IllegalArgumentException.class, () -> entry.validateWeights(weights, spec));
        assertTrue(e.getMessage().startsWith("missing tensor blocks.0.attn.W_O"), e.getMessage());
        // the model runs on what validation accepts: the absent bias is zero
        Map<String, INDArray> ok = new LinkedHashMap<>(entry.init(spec, 1));
        ok.remove("blocks.0.attn.b_Q");
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        assertNotNull(new Transformer(cfg, Transformer.withDefaults(cfg, ok)).logits(new int[][] {new int[19]}));
        ExperimentSpec tms = Presets.expand("tms-intro", 1L, null);
        Map<String, INDArray> tmsWeights = new LinkedHashMap<>(ModelRegistry.of(tms).init(tms, 1));
        tmsWeights.put("b_final", Nd4j.zeros(1, 1));
        e = assertThrows(IllegalArgumentException.class, () -> ModelRegistry.of(tms).validateWeights(tmsWeights, tms));
        assertTrue(e.getMessage().startsWith("tensor b_final has shape [1, 1]"), e.getMessage());
    }
}
