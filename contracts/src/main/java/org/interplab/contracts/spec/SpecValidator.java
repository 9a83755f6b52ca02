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
            errors.add(new FieldError("model.kind", "is required; one of " + ModelKind.ids()));
        } else if (ModelKind.of(model.kind()).isEmpty()) {
            errors.add(new FieldError("model.kind", "unknown model '" + model.kind() + "'; one of "
                    + ModelKind.ids()));
        }
        if (training == null) {
            errors.add(new FieldError("training", "is required"));
        } else {
            validateTraining(training, errors);
        }
        if (errors.isEmpty() && TaskShapes.SEQUENCE_TASKS.contains(task.kind())) {
            validateSequenceTask(task, errors);
        }
        if (errors.isEmpty()) {
            ModelKind kind = ModelKind.of(model.kind()).orElseThrow();
            kind.validate(task, model, training, errors);
            if (errors.isEmpty()) {
                checkMemory(kind, task, model, training, errors);
            }
        }
        return errors;
    }

    /** Upper bounds that keep one run from occupying a worker for ever or exhausting memory while it is set up. */
    public static final int MAX_STEPS = 10_000_000;
    public static final int MAX_BATCH_SIZE = 1 << 16;
    public static final int MAX_EXAMPLES = 5_000_000;
    public static final int MAX_DIGITS = 9;
    public static final int MAX_SEQ_LEN = 64;
    public static final int MAX_TOY_DIM = 100_000;

    private static void validateTraining(TrainingSpec t, List<FieldError> errors) {
        if (t.optimizer() == null || !OPTIMIZERS.contains(t.optimizer())) {
            errors.add(new FieldError("training.optimizer", "must be one of " + sorted(OPTIMIZERS)));
        }
        if (t.schedule() != null && !SCHEDULES.contains(t.schedule())) {
            errors.add(new FieldError("training.schedule", "must be one of " + sorted(SCHEDULES)));
        }
        inRange(t.lr(), "training.lr", 0, false, 10, errors);
        if (t.lr() == null) {
            errors.add(new FieldError("training.lr", "is required"));
        }
        intInRange(t.batchSize(), "training.batchSize", 1, MAX_BATCH_SIZE, true, errors);
        intInRange(t.steps(), "training.steps", 1, MAX_STEPS, true, errors);
        intInRange(t.evalEvery(), "training.evalEvery", 1, MAX_STEPS, true, errors);
        intInRange(t.warmupSteps(), "training.warmupSteps", 0, MAX_STEPS, false, errors);
        if (t.weightDecay() != null) {
            inRange(t.weightDecay(), "training.weightDecay", 0, true, 100, errors);
        }
        betaInRange(t.beta1(), "training.beta1", errors);
        betaInRange(t.beta2(), "training.beta2", errors);
        if (t.checkpoints() != null && !Set.of("geometric", "every").contains(t.checkpoints())) {
            errors.add(new FieldError("training.checkpoints", "must be 'geometric' or 'every'"));
        }
        if ("every".equals(t.checkpoints())) {
            intInRange(t.checkpointEvery(), "training.checkpointEvery", 1, MAX_STEPS, true, errors);
        }
    }

    /**
     * The sizes of the sequence tasks: a generator asked for more distinct examples than exist would draw for ever,
     * so the counts are bounded here, before anything is stored.
     */
    private static void validateSequenceTask(TaskSpec task, List<FieldError> errors) {
        intInRange(task.nTrain(), "task.nTrain", 1, MAX_EXAMPLES, false, errors);
        intInRange(task.nTest(), "task.nTest", 1, MAX_EXAMPLES, false, errors);
        if ("addition".equals(task.kind())) {
            intInRange(task.nDigits(), "task.nDigits", 1, MAX_DIGITS, false, errors);
            int digits = task.nDigits() == null ? 6 : task.nDigits();
            if (errors.isEmpty()) {
                long examples = (long) (task.nTrain() == null ? 25_000 : task.nTrain())
                        + (task.nTest() == null ? 2_000 : task.nTest());
                double pairs = Math.pow(10, 2 * digits);
                if (examples > 0.9 * pairs) {
                    errors.add(new FieldError("task.nTrain", String.format("%d-digit addition has %.0f operand "
                            + "pairs; nTrain + nTest (%d) must stay below 90%% of them", digits, pairs, examples)));
                }
            }
        }
        if ("ov-coherent".equals(task.kind())) {
            intInRange(task.seqLen(), "task.seqLen", 3, MAX_SEQ_LEN, false, errors);
        }
    }

    static void validateTransformer(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
        TaskShapes.Shape shape = TaskShapes.of(task);
        if (shape == null) {
            errors.add(new FieldError("model.kind", "a transformer needs a sequence task: one of "
                    + TaskShapes.SEQUENCE_TASKS + " or " + TaskShapes.LM));
            return;
        }
        // bounded (far beyond what fits in memory) so that no size product in the estimates can overflow a long
        intInRange(m.nLayers(), "model.nLayers", 1, 256, true, errors);
        intInRange(m.nHeads(), "model.nHeads", 1, 1024, true, errors);
        intInRange(m.dHead(), "model.dHead", 1, 4096, true, errors);
        intInRange(m.dModel(), "model.dModel", 1, 16384, true, errors);
        mustEqual(m.dVocab(), shape.dVocab(), "model.dVocab", task.kind(), errors);
        mustEqual(m.dVocabOut(), shape.dVocabOut(), "model.dVocabOut", task.kind(), errors);
        if (shape.nCtx() > 0) {
            mustEqual(m.nCtx(), shape.nCtx(), "model.nCtx", task.kind(), errors);
        } else {
            validateLm(task, m, errors);
        }
        if (!Boolean.TRUE.equals(m.attnOnly())) {
            intInRange(m.dMlp(), "model.dMlp", 1, 65536, true, errors);
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
        validateLanguageModelFields(m, errors);
    }

    /** attnTypes / windowSize, lnEps, tiedEmbeddings (TransformerLens / GPT-Neo fields). */
    private static void validateLanguageModelFields(ModelSpec m, List<FieldError> errors) {
        List<String> types = m.attnTypes();
        boolean anyLocal = m.window() != null;
        if (types != null) {
            if (m.nLayers() != null && types.size() != m.nLayers()) {
                errors.add(new FieldError("model.attnTypes", "needs one entry per layer (" + m.nLayers() + "), has "
                        + types.size()));
            }
            for (int i = 0; i < types.size(); i++) {
                if (!"global".equals(types.get(i)) && !"local".equals(types.get(i))) {
                    errors.add(new FieldError("model.attnTypes[" + i + "]", "must be 'global' or 'local', was '"
                            + types.get(i) + "'"));
                }
                anyLocal |= "local".equals(types.get(i));
            }
        }
        if (m.windowSize() != null && m.windowSize() < 1) {
            errors.add(new FieldError("model.windowSize", "must be ≥ 1, was " + m.windowSize()));
        } else if (types != null && anyLocal && m.windowSize() == null && m.window() == null) {
            errors.add(new FieldError("model.windowSize", "is required when a layer's attention is 'local'"));
        }
        inRange(m.lnEps(), "model.lnEps", 0, false, 1, errors);
        if (Boolean.TRUE.equals(m.tiedEmbeddings()) && m.dVocabOut() != null && !m.dVocabOut().equals(m.dVocab())) {
            errors.add(new FieldError("model.tiedEmbeddings", "needs dVocabOut = dVocab (W_U is W_Eᵀ), were "
                    + m.dVocabOut() + " and " + m.dVocab()));
        }
    }

    /** The kind's memory estimate against {@link #MEMORY_BUDGET_BYTES}; the error names what to shrink. */
    private static void checkMemory(ModelKind kind, TaskSpec task, ModelSpec m, TrainingSpec t,
                                    List<FieldError> errors) {
        long bytes = kind.trainingBytes(m, task, t.batchSize());
        if (bytes > MEMORY_BUDGET_BYTES) {
            String instances = m.nInstances() == null || kind == ModelKind.TRANSFORMER ? ""
                    : " × " + m.nInstances() + " instances";
            errors.add(new FieldError("model", String.format(
                    "needs about %.1f GiB to train (%d parameters, batch %d%s) but a run may use %.1f GiB; %s",
                    bytes / (double) (1L << 30), kind.parameterCount(m, task), t.batchSize(), instances,
                    MEMORY_BUDGET_BYTES / (double) (1L << 30), kind.memoryHint())));
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

    static void validateToy(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
        if (!m.kind().equals(task.kind())) {
            errors.add(new FieldError("task.kind", "a " + m.kind() + " model needs task kind '" + m.kind()
                    + "', was '" + task.kind() + "'"));
            return;
        }
        // bounded so that the memory estimate below cannot overflow (each product stays far inside a long)
        intInRange(m.nInstances(), "model.nInstances", 1, MAX_TOY_DIM, true, errors);
        intInRange(m.nHidden(), "model.nHidden", 1, MAX_TOY_DIM, true, errors);
        intInRange(task.nFeatures(), "task.nFeatures", 1, MAX_TOY_DIM, true, errors);
        if (m.actFn() != null && !ACTIVATIONS.contains(m.actFn())) {
            errors.add(new FieldError("model.actFn", "must be one of " + sorted(ACTIVATIONS)));
        }
        if (m.dropout() != null && !(m.dropout() >= 0 && m.dropout() < 1)) {
            errors.add(new FieldError("model.dropout", "must be in [0, 1), was " + m.dropout()));
        }
        if (m.l1() != null) {
            inRange(m.l1(), "model.l1", 0, true, 1e6, errors);
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
            if (task.featureProbabilityPerFeature() != null) {
                if (task.featureProbability() != null || task.featureProbabilities() != null) {
                    errors.add(new FieldError("task.featureProbabilityPerFeature", "replaces "
                            + (task.featureProbability() != null ? "task.featureProbability" : "task.featureProbabilities")
                            + "; give one of them (set the other to null)"));
                }
            } else if (task.featureProbability() == null && task.featureProbabilities() == null) {
                errors.add(new FieldError("task.featureProbability", "is required (or task.featureProbabilities, one "
                        + "per instance, or task.featureProbabilityPerFeature, one per feature)"));
            }
            inRange(task.importanceDecay(), "task.importanceDecay", 0, false, 1e6, errors);
            if (task.importance() != null && task.importanceDecay() != null) {
                errors.add(new FieldError("task.importance", "replaces task.importanceDecay; give one of them"));
            }
            validateProfiles(task, errors);
        } else {
            for (String field : List.of("importance", "featureProbabilityPerFeature")) {
                if ((field.equals("importance") ? task.importance() : task.featureProbabilityPerFeature()) != null) {
                    errors.add(new FieldError("task." + field, "applies to tms tasks only"));
                }
            }
            if (task.function() == null || !CIS_FUNCTIONS.contains(task.function())) {
                errors.add(new FieldError("task.function", "must be one of " + sorted(CIS_FUNCTIONS)
                        + (task.function() == null ? "" : ", was '" + task.function() + "'")));
            } else if (Set.of("max-abs", "and", "or").contains(task.function()) && task.nFeatures() != null
                    && task.nFeatures() > 0 && task.nFeatures() < 2) {
                errors.add(new FieldError("task.nFeatures", task.function() + " combines features: needs ≥ 2, was "
                        + task.nFeatures()));
            }
        }
    }

    /** The largest importance a feature may have (as {@code importanceDecay}'s bound). */
    public static final double MAX_IMPORTANCE = 1e6;

    /**
     * task.importance: one finite value per feature in [0, {@value #MAX_IMPORTANCE}]; task.featureProbabilityPerFeature:
     * one per feature in (0, 1]. Checked once nFeatures is known to be usable.
     */
    private static void validateProfiles(TaskSpec task, List<FieldError> errors) {
        Integer n = task.nFeatures();
        if (n == null || n < 1 || n > MAX_TOY_DIM) {
            return; // reported above
        }
        if (task.importance() != null) {
            errors.addAll(task.importance().check("task.importance", n, 0, true, MAX_IMPORTANCE));
        }
        if (task.featureProbabilityPerFeature() != null) {
            errors.addAll(task.featureProbabilityPerFeature().check("task.featureProbabilityPerFeature", n, 0, false,
                    1));
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
        if (value != null && !(value >= 0 && value < 1)) {
            errors.add(new FieldError(field, "must be a number in [0, 1), was " + value));
        }
    }

    /** A finite number in (min, max] or [min, max]; NaN and ±∞ (JSON "NaN", 1e309) are refused by name. */
    private static void inRange(Double value, String field, double min, boolean minInclusive, double max,
                                List<FieldError> errors) {
        if (value == null) {
            return;
        }
        if (!Double.isFinite(value)) {
            errors.add(new FieldError(field, "must be a finite number, was " + value));
        } else if ((minInclusive ? value < min : value <= min) || value > max) {
            errors.add(new FieldError(field, "must be in " + (minInclusive ? "[" : "(") + fmt(min) + ", " + fmt(max)
                    + "], was " + value));
        }
    }

    private static void intInRange(Integer value, String field, int min, int max, boolean required,
                                   List<FieldError> errors) {
        if (value == null) {
            if (required) {
                errors.add(new FieldError(field, "is required"));
            }
        } else if (value < min || value > max) {
            errors.add(new FieldError(field, "must be in [" + min + ", " + max + "], was " + value));
        }
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
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
