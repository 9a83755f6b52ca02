package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.FieldError;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The toy presets are valid full specs; bad toy specs are refused field by field; toy runs resume exactly. */
class ToySpecsAndResumeTest {

    @ParameterizedTest
    @ValueSource(strings = {"tms-intro", "tms-sparsity", "tms-dropout-sweep", "cis-abs", "cis-and", "cis-or",
            "cis-max-abs", "cis-square"})
    void presetIsValidAndRoundTrips(String name) {
        ExperimentSpec spec = TestSpecs.preset(name, 1);
        assertEquals(List.of(), SpecValidator.validate(spec), name);
        assertEquals(name, spec.name());
        assertEquals(spec, Json.read(Json.write(spec), ExperimentSpec.class));
        assertEquals(0.001, spec.training().lr());
        assertEquals(1024, spec.training().batchSize());
        assertEquals(10000, spec.training().steps());
    }

    @Test
    void sweepPresetsVaryFeatureProbabilityAcrossInstances() {
        ExperimentSpec intro = TestSpecs.preset("tms-intro", 1);
        List<Double> p = intro.task().featureProbabilities();
        assertEquals(intro.model().nInstances(), p.size());
        assertEquals(1.0, p.get(0));
        assertEquals(0.01, p.get(p.size() - 1));
        ExperimentSpec sparsity = TestSpecs.preset("tms-sparsity", 1);
        assertEquals(20, sparsity.task().featureProbabilities().size());
        assertEquals(100, sparsity.task().nFeatures());
        assertEquals(20, sparsity.model().nHidden());
        assertEquals(0.01, intro.task().featureProbabilityOf(9, 0.5));
        assertEquals(0.5, TaskSpec.of("tms").featureProbabilityOf(3, 0.5));
    }

    private static Set<String> fields(ExperimentSpec spec) {
        return SpecValidator.validate(spec).stream().map(FieldError::field).collect(Collectors.toSet());
    }

    private static ModelSpec toy(String kind, Integer instances, Integer hidden, String act, Double dropout,
                                 Double l1) {
        return new ModelSpec(kind, null, null, null, null, null, null, null, null, null, null, null, act, null,
                instances, hidden, dropout, l1);
    }

    @Test
    void badToySpecsNameTheirFields() {
        ExperimentSpec base = TestSpecs.preset("tms-intro", 1);
        TaskSpec t = base.task();
        ExperimentSpec noInstances = new ExperimentSpec("x", t, toy("tms", 0, null, "relu", 1.0, -1.0),
                base.training(), 1L, null);
        assertEquals(Set.of("model.nInstances", "model.nHidden", "model.dropout", "model.l1"), fields(noInstances));

        TaskSpec badP = new TaskSpec("tms", null, null, null, null, 0, 1.5, -1.0, null, List.of(0.5, 0.0));
        ExperimentSpec spec = new ExperimentSpec("x", badP, toy("tms", 3, 2, "tanh", null, null), base.training(),
                1L, null);
        assertEquals(Set.of("task.nFeatures", "task.featureProbability", "task.featureProbabilities",
                "task.featureProbabilities[1]", "task.importanceDecay", "model.actFn"), fields(spec));

        TaskSpec noP = new TaskSpec("tms", null, null, null, null, 5, null, null, null);
        assertEquals(Set.of("task.featureProbability"), fields(new ExperimentSpec("x", noP,
                toy("tms", 3, 2, null, null, null), base.training(), 1L, null)));

        TaskSpec cis = new TaskSpec("cis", null, null, null, null, 2, null, null, "xor");
        assertEquals(Set.of("task.function"), fields(new ExperimentSpec("x", cis, toy("cis", 2, 2, "relu", null,
                null), base.training(), 1L, null)));
        TaskSpec oneFeatureAnd = new TaskSpec("cis", null, null, null, null, 1, null, null, "and");
        assertEquals(Set.of("task.nFeatures"), fields(new ExperimentSpec("x", oneFeatureAnd, toy("cis", 2, 2,
                "relu", null, null), base.training(), 1L, null)));
        assertEquals(Set.of("task.kind"), fields(new ExperimentSpec("x", cis, toy("tms", 2, 2, "relu", null,
                null), base.training(), 1L, null)));

        // memory: 10 000 instances × 10 000 features × 1 000 hidden is far beyond the budget
        TaskSpec huge = new TaskSpec("tms", null, null, null, null, 10_000, 0.1, null, null);
        List<FieldError> errors = SpecValidator.validate(new ExperimentSpec("x", huge,
                toy("tms", 10_000, 1_000, "relu", null, null), base.training(), 1L, null));
        assertEquals(1, errors.size());
        assertEquals("model", errors.get(0).field());
        assertTrue(errors.get(0).error().contains("GiB"), errors.get(0).error());
    }

    /** Fresh samples and dropout masks come from the checkpointed generator: a resumed run is bit-identical. */
    @ParameterizedTest
    @ValueSource(strings = {"tms", "cis"})
    void toyRunResumesExactly(String kind) {
        ExperimentSpec base = TestSpecs.preset(kind.equals("tms") ? "tms-dropout-sweep" : "cis-abs", 4);
        ModelSpec m = base.model();
        ModelSpec model = kind.equals("tms") ? toy("tms", 3, m.nHidden(), "gelu", 0.25, 0.01) : m;
        TrainingSpec t = new TrainingSpec("adamw", 0.01, 0.01, 0.9, 0.999, "cosine", 3, 64, 20, 5, "every", 6);
        ExperimentSpec spec = new ExperimentSpec("resume", base.task(), model, t, 4L, List.of());
        RecordingListener full = new RecordingListener();
        TrainingOutcome uninterrupted = Trainer.train(spec, null, full);
        RecordingListener first = new RecordingListener(step -> step == 12);
        Trainer.train(spec, null, first);
        ModelState at12 = first.checkpoints.get(first.checkpoints.size() - 1);
        assertEquals(12, at12.step());
        RecordingListener rest = new RecordingListener();
        TrainingOutcome resumed = Trainer.train(spec, at12, rest);
        assertEquals(uninterrupted.finalMetrics(), resumed.finalMetrics());
        Map<String, INDArray> a = full.checkpoints.get(full.checkpoints.size() - 1).weights();
        Map<String, INDArray> b = rest.checkpoints.get(rest.checkpoints.size() - 1).weights();
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, w) -> assertArrayEquals(w.data().asFloat(), b.get(name).data().asFloat(), name));
        assertTrue(at12.optimizerState().containsKey(kind.equals("tms") ? "adam.m.W" : "adam.m.W1"));
        assertTrue(uninterrupted.finalMetrics().get("test_loss") < full.evals.get(0).get("test_loss"));
    }
}
