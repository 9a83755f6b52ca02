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

    static final Set<String> TASKS = Set.of("xor", "ov-coherent", "addition", "tms", "cis",
            TaskShapes.LM);
    /** A corpus id: letters, digits, dot, underscore, hyphen. */
    static final java.util.regex.Pattern CORPUS_ID = java.util.regex.Pattern.compile("[A-Za-z0-9._-]{1,100}");
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
        if (errors.isEmpty() && ("tms".equals(model.kind()) || "cis".equals(model.kind()))) {
            validateToy(task, model, training, errors);
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
                    + TaskShapes.SEQUENCE_TASKS + " or " + TaskShapes.LM));
            return;
        }
        positive(m.nLayers(), "model.nLayers", errors);
        positive(m.nHeads(), "model.nHeads", errors);
        positive(m.dHead(), "model.dHead", errors);
        positive(m.dModel(), "model.dModel", errors);
        mustEqual(m.dVocab(), shape.dVocab(), "model.dVocab", task.kind(), errors);
        mustEqual(m.dVocabOut(), shape.dVocabOut(), "model.dVocabOut", task.kind(), errors);
        if (shape.nCtx() > 0) {
            mustEqual(m.nCtx(), shape.nCtx(), "model.nCtx", task.kind(), errors);
        } else {
            validateLm(task, m, errors);
        }
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

    /** The lm-specific fields: the model's context length and the corpus id. */
    private static void validateLm(TaskSpec task, ModelSpec m, List<FieldError> errors) {
        positive(m.nCtx(), "model.nCtx", errors);
        if (task.corpus() != null && !CORPUS_ID.matcher(task.corpus()).matches()) {
            errors.add(new FieldError("task.corpus", "must be a corpus id (letters, digits, '.', '_', '-'), was '"
                    + task.corpus() + "'"));
        }
    }

    /** CiS target functions: elementwise (n_out = n_features) or reducing to one output. */
    public static final Set<String> CIS_FUNCTIONS = Set.of("abs", "square", "max-abs", "and", "or");

    /** Outputs of a CiS model for the function: n_features for abs and square, else 1. */
    public static int cisOutputs(String function, int nFeatures) {
        return "abs".equals(function) || "square".equals(function) ? nFeatures : 1;
    }

    private static void validateToy(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
        if (!m.kind().equals(task.kind())) {
            errors.add(new FieldError("task.kind", "a " + m.kind() + " model needs task kind '" + m.kind()
                    + "', was '" + task.kind() + "'"));
            return;
        }
        positive(m.nInstances(), "model.nInstances", errors);
        positive(m.nHidden(), "model.nHidden", errors);
        positive(task.nFeatures(), "task.nFeatures", errors);
        if (m.actFn() != null && !ACTIVATIONS.contains(m.actFn())) {
            errors.add(new FieldError("model.actFn", "must be one of " + sorted(ACTIVATIONS)));
        }
        if (m.dropout() != null && (m.dropout() < 0 || m.dropout() >= 1)) {
            errors.add(new FieldError("model.dropout", "must be in [0, 1), was " + m.dropout()));
        }
        if (m.l1() != null && m.l1() < 0) {
            errors.add(new FieldError("model.l1", "must be ≥ 0, was " + m.l1()));
        }
        if ("cis".equals(m.kind()) && ((m.dropout() != null && m.dropout() != 0) || (m.l1() != null && m.l1() != 0))) {
            errors.add(new FieldError(m.dropout() != null && m.dropout() != 0 ? "model.dropout" : "model.l1",
                    "applies to tms models only"));
        }
        if (task.featureProbability() != null && !(task.featureProbability() > 0 && task.featureProbability() <= 1)) {
            errors.add(new FieldError("task.featureProbability", "must be in (0, 1], was "
                    + task.featureProbability()));
        }
        if (task.featureProbabilities() != null) {
            List<Double> ps = task.featureProbabilities();
            if (m.nInstances() != null && m.nInstances() > 0 && ps.size() != m.nInstances()) {
                errors.add(new FieldError("task.featureProbabilities", "needs one entry per instance ("
                        + m.nInstances() + "), has " + ps.size()));
            }
            for (int i = 0; i < ps.size(); i++) {
                Double p = ps.get(i);
                if (p == null || !(p > 0 && p <= 1)) {
                    errors.add(new FieldError("task.featureProbabilities[" + i + "]", "must be in (0, 1], was " + p));
                }
            }
        }
        if ("tms".equals(m.kind())) {
            if (task.featureProbability() == null && task.featureProbabilities() == null) {
                errors.add(new FieldError("task.featureProbability",
                        "is required (or task.featureProbabilities, one per instance)"));
            }
            if (task.importanceDecay() != null && !(task.importanceDecay() > 0)) {
                errors.add(new FieldError("task.importanceDecay", "must be > 0, was " + task.importanceDecay()));
            }
        } else {
            if (task.function() == null || !CIS_FUNCTIONS.contains(task.function())) {
                errors.add(new FieldError("task.function", "must be one of " + sorted(CIS_FUNCTIONS)
                        + (task.function() == null ? "" : ", was '" + task.function() + "'")));
            } else if (Set.of("max-abs", "and", "or").contains(task.function()) && task.nFeatures() != null
                    && task.nFeatures() > 0 && task.nFeatures() < 2) {
                errors.add(new FieldError("task.nFeatures", task.function() + " combines features: needs ≥ 2, was "
                        + task.nFeatures()));
            }
        }
        if (!errors.isEmpty()) {
            return;
        }
        int f = task.nFeatures();
        int out = "cis".equals(m.kind()) ? cisOutputs(task.function(), f) : f;
        long params = m.toyParameterCount(f, out);
        // weights + gradients + two Adam moments; per example and instance the kept activations: TMS x, h,
        // dropout mask, pre-activation, output and their gradients; CiS x, two pre-activations and activations.
        long perExample = "tms".equals(m.kind()) ? 6L * f + 4L * m.nHidden() : 2L * f + 4L * m.nHidden() + 6L * out;
        long activations = (long) t.batchSize() * m.nInstances() * perExample;
        long bytes = 4L * (4 * params + activations);
        if (bytes > MEMORY_BUDGET_BYTES) {
            errors.add(new FieldError("model", String.format(
                    "needs about %.1f GiB to train (%d parameters, batch %d × %d instances) but a run may use %.1f "
                            + "GiB; reduce model.nInstances, task.nFeatures or training.batchSize",
                    bytes / (double) (1L << 30), params, t.batchSize(), m.nInstances(),
                    MEMORY_BUDGET_BYTES / (double) (1L << 30))));
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
