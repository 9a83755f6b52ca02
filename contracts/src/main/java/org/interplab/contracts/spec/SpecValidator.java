package org.interplab.contracts.spec;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Checks a complete spec before anything is stored or trained. Each error names the JSON path of the field, so the
 * API and the form can point at it.
 */
public final class SpecValidator {
    /** Training-time memory a single run may plan for (weights, gradients, Adam moments, activations). */
    public static final long MEMORY_BUDGET_BYTES = 6L << 30;

    static final Set<String> TASKS = Set.of("xor", "ov-coherent", "addition", "tms", "cis");
    static final Set<String> MODELS = Set.of("transformer", "tms", "cis");
    static final Set<String> OPTIMIZERS = Set.of("adam", "adamw");
    static final Set<String> SCHEDULES = Set.of("constant", "linear-warmup", "cosine");
    static final Set<String> ACTIVATIONS = Set.of("relu", "gelu", "gelu_new");

    private SpecValidator() {
    }

    public static List<FieldError> validate(ExperimentSpec spec) {
        List<FieldError> errors = new ArrayList<>();
        if (spec == null) {
            errors.add(new FieldError("spec", "is required"));
            return errors;
        }
        if (spec.seed() == null) {
            errors.add(new FieldError("seed", "is required"));
        }
        TaskSpec task = spec.task();
        ModelSpec model = spec.model();
        TrainingSpec training = spec.training();
        if (task == null || task.kind() == null) {
            errors.add(new FieldError("task.kind", "is required; one of " + sorted(TASKS)));
        } else if (!TASKS.contains(task.kind())) {
            errors.add(new FieldError("task.kind", "unknown task '" + task.kind() + "'; one of " + sorted(TASKS)));
        }
        if (model == null || model.kind() == null) {
            errors.add(new FieldError("model.kind", "is required; one of " + sorted(MODELS)));
        } else if (!MODELS.contains(model.kind())) {
            errors.add(new FieldError("model.kind", "unknown model '" + model.kind() + "'; one of " + sorted(MODELS)));
        }
        if (training == null) {
            errors.add(new FieldError("training", "is required"));
        } else {
            validateTraining(training, errors);
        }
        if (errors.isEmpty() && "transformer".equals(model.kind())) {
            validateTransformer(task, model, training, errors);
        }
        return errors;
    }

    private static void validateTraining(TrainingSpec t, List<FieldError> errors) {
        if (t.optimizer() == null || !OPTIMIZERS.contains(t.optimizer())) {
            errors.add(new FieldError("training.optimizer", "must be one of " + sorted(OPTIMIZERS)));
        }
        if (t.schedule() != null && !SCHEDULES.contains(t.schedule())) {
            errors.add(new FieldError("training.schedule", "must be one of " + sorted(SCHEDULES)));
        }
        positive(t.lr(), "training.lr", errors);
        positive(t.batchSize(), "training.batchSize", errors);
        positive(t.steps(), "training.steps", errors);
        positive(t.evalEvery(), "training.evalEvery", errors);
        if (t.weightDecay() != null && t.weightDecay() < 0) {
            errors.add(new FieldError("training.weightDecay", "must be ≥ 0"));
        }
        betaInRange(t.beta1(), "training.beta1", errors);
        betaInRange(t.beta2(), "training.beta2", errors);
        if (t.checkpoints() != null && !Set.of("geometric", "every").contains(t.checkpoints())) {
            errors.add(new FieldError("training.checkpoints", "must be 'geometric' or 'every'"));
        }
        if ("every".equals(t.checkpoints())) {
            positive(t.checkpointEvery(), "training.checkpointEvery", errors);
        }
    }

    private static void validateTransformer(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
        TaskShapes.Shape shape = TaskShapes.of(task);
        if (shape == null) {
            errors.add(new FieldError("model.kind", "a transformer needs a sequence task: one of "
                    + TaskShapes.SEQUENCE_TASKS));
            return;
        }
        positive(m.nLayers(), "model.nLayers", errors);
        positive(m.nHeads(), "model.nHeads", errors);
        positive(m.dHead(), "model.dHead", errors);
        positive(m.dModel(), "model.dModel", errors);
        mustEqual(m.dVocab(), shape.dVocab(), "model.dVocab", task.kind(), errors);
        mustEqual(m.dVocabOut(), shape.dVocabOut(), "model.dVocabOut", task.kind(), errors);
        mustEqual(m.nCtx(), shape.nCtx(), "model.nCtx", task.kind(), errors);
        if (!Boolean.TRUE.equals(m.attnOnly())) {
            positive(m.dMlp(), "model.dMlp", errors);
            if (m.actFn() == null || !ACTIVATIONS.contains(m.actFn())) {
                errors.add(new FieldError("model.actFn", "must be one of " + sorted(ACTIVATIONS)));
            }
        }
        if (m.normalization() != null && !Set.of("LN", "none").contains(m.normalization())) {
            errors.add(new FieldError("model.normalization", "must be 'LN' or 'none'"));
        }
        if (m.window() != null && m.window() < 1) {
            errors.add(new FieldError("model.window", "must be ≥ 1 (or absent for global attention)"));
        }
        if (!errors.isEmpty()) {
            return;
        }
        long params = m.parameterCount();
        // weights + gradients + two Adam moments, float32; activations: scores [batch, heads, ctx, ctx] and
        // residual-sized tensors per layer, kept for the backward pass.
        long activations = (long) t.batchSize() * m.nLayers()
                * ((long) m.nHeads() * m.nCtx() * m.nCtx() * 3 + (long) m.nCtx() * m.dModel() * 8
                + (m.dMlp() == null ? 0L : (long) m.nCtx() * m.dMlp() * 3));
        long bytes = 4L * (4 * params + activations);
        if (bytes > MEMORY_BUDGET_BYTES) {
            errors.add(new FieldError("model", String.format(
                    "needs about %.1f GiB to train (%d parameters, batch %d) but a run may use %.1f GiB; "
                            + "reduce model.dModel, model.nHeads or training.batchSize",
                    bytes / (double) (1L << 30), params, t.batchSize(), MEMORY_BUDGET_BYTES / (double) (1L << 30))));
        }
    }

    private static void positive(Number value, String field, List<FieldError> errors) {
        if (value == null) {
            errors.add(new FieldError(field, "is required"));
        } else if (value.doubleValue() <= 0) {
            errors.add(new FieldError(field, "must be > 0, was " + value));
        }
    }

    private static void betaInRange(Double value, String field, List<FieldError> errors) {
        if (value != null && (value < 0 || value >= 1)) {
            errors.add(new FieldError(field, "must be in [0, 1), was " + value));
        }
    }

    private static void mustEqual(Integer value, int expected, String field, String task, List<FieldError> errors) {
        if (value == null) {
            errors.add(new FieldError(field, "is required (task " + task + " needs " + expected + ")"));
        } else if (value != expected) {
            errors.add(new FieldError(field, "task " + task + " needs " + expected + ", was " + value));
        }
    }

    private static List<String> sorted(Set<String> values) {
        return values.stream().sorted().toList();
    }
}
