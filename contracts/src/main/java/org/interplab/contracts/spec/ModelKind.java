package org.interplab.contracts.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The model kinds, one entry each: what the lab knows about a kind without ND4J (the dashboard uses it): its id
 * ({@code model.kind}), its trainable parameter count, the memory a training run needs, how its spec fields are
 * validated and which analyses (circuit-table families) apply to it. interp-core's {@code ModelRegistry} adds the
 * ND4J side (tensor shapes, init, weight validation) keyed by the same enum. All arithmetic is in {@code long}.
 */
public enum ModelKind {
    /** TransformerLens-style decoder (names follow HookedTransformerConfig). */
    TRANSFORMER("transformer", List.of("EU", "EQKE", "EQKE_pos", "EVOU", "skip_trigrams", "scores_readoff",
            "skip_trigram_gap", "head_order", "head_order_reversed", "head_order_tau", "proj_Q", "proj_K", "proj_V",
            "proj_O", "direct_logit_attribution", "attention_pattern", "only_head", "all_heads_ablated"),
            "reduce model.dModel, model.nHeads or training.batchSize") {
        @Override
        public long parameterCount(ModelSpec m, TaskSpec task) {
            long dm = m.dModel(), hd = (long) m.nHeads() * m.dHead();
            long vocab = m.dVocab(), vocabOut = m.dVocabOut() == null ? vocab : m.dVocabOut();
            long perLayer = 4 * dm * hd + 3 * hd + dm;
            if (hasMlp(m)) {
                perLayer += 2 * dm * m.dMlp() + m.dMlp() + dm;
            }
            boolean ln = "LN".equals(m.normalization());
            if (ln) {
                perLayer += 4 * dm;
            }
            long unembed = (Boolean.TRUE.equals(m.tiedEmbeddings()) ? 0 : dm * vocabOut) + vocabOut;
            return vocab * dm + (long) m.nCtx() * dm + m.nLayers() * perLayer + (ln ? 2 * dm : 0) + unembed;
        }

        @Override
        public long trainingBytes(ModelSpec m, TaskSpec task, int batchSize) {
            long ctx = m.nCtx(), vocabOut = m.dVocabOut() == null ? m.dVocab() : m.dVocabOut();
            // kept for the backward pass, per sequence: scores/pattern/gradient [heads, ctx, ctx] and residual-sized
            // tensors per layer; once: logits and their gradient [ctx, d_vocab_out] and a detached copy
            long perLayer = (long) m.nHeads() * ctx * ctx * 3 + ctx * m.dModel() * 8
                    + (hasMlp(m) ? ctx * m.dMlp() * 3 : 0L);
            long activations = batchSize * (m.nLayers() * perLayer + 3 * ctx * vocabOut);
            return 4L * (4 * parameterCount(m, task) + activations);
        }

        @Override
        void validate(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
            SpecValidator.validateTransformer(task, m, t, errors);
        }
    },
    /** Toy Models of Superposition: W [instances, features, hidden], b_final [instances, features]. */
    TMS("tms", List.of("WtW", "feature_geometry", "feature_importance", "feature_importance_tau", "dims_per_feature",
            "basis_alignment", "neuron_polysemanticity", "polysemanticity"),
            "reduce model.nInstances, task.nFeatures or training.batchSize") {
        @Override
        public long parameterCount(ModelSpec m, TaskSpec task) {
            long i = m.nInstances(), f = task.nFeatures(), h = m.nHidden();
            return i * (f * h + f);
        }

        @Override
        public long trainingBytes(ModelSpec m, TaskSpec task, int batchSize) {
            // per example and instance: x, h, dropout mask, pre-activation, output and their gradients
            long perExample = 6L * task.nFeatures() + 4L * m.nHidden();
            return 4L * (4 * parameterCount(m, task) + (long) batchSize * m.nInstances() * perExample);
        }

        @Override
        void validate(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
            SpecValidator.validateToy(task, m, t, errors);
        }
    },
    /** Computation in superposition: W1, b1, W2, b2 per instance. */
    CIS("cis", List.of("W1", "W2", "W1W2", "neuron_contributions", "dead_neurons",
            "neuron_polysemanticity", "polysemanticity"),
            "reduce model.nInstances, task.nFeatures or training.batchSize") {
        @Override
        public long parameterCount(ModelSpec m, TaskSpec task) {
            long i = m.nInstances(), f = task.nFeatures(), h = m.nHidden();
            long out = SpecValidator.cisOutputs(task.function(), task.nFeatures());
            return i * (f * h + h + h * out + out);
        }

        @Override
        public long trainingBytes(ModelSpec m, TaskSpec task, int batchSize) {
            // per example and instance: x, two pre-activations and activations
            long out = SpecValidator.cisOutputs(task.function(), task.nFeatures());
            long perExample = 2L * task.nFeatures() + 4L * m.nHidden() + 6L * out;
            return 4L * (4 * parameterCount(m, task) + (long) batchSize * m.nInstances() * perExample);
        }

        @Override
        void validate(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors) {
            SpecValidator.validateToy(task, m, t, errors);
        }
    };

    private final String id;
    private final List<String> analyses;
    private final String memoryHint;

    ModelKind(String id, List<String> analyses, String memoryHint) {
        this.id = id;
        this.analyses = analyses;
        this.memoryHint = memoryHint;
    }

    /** The kind by its {@code model.kind} id, or empty. */
    public static Optional<ModelKind> of(String id) {
        return Arrays.stream(values()).filter(k -> k.id.equals(id)).findFirst();
    }

    /** Every id, sorted. */
    public static List<String> ids() {
        return Arrays.stream(values()).map(ModelKind::id).sorted().toList();
    }

    public String id() {
        return id;
    }

    /** The families of circuit tables computed for this kind (a table is named {@code family} or {@code family.X}). */
    public List<String> analyses() {
        return analyses;
    }

    /** Trainable scalars of a valid spec ({@code task} is needed by the toy kinds, whose width is the task's). */
    public abstract long parameterCount(ModelSpec m, TaskSpec task);

    /**
     * Bytes a training run plans for, float32: weights, gradients and two Adam moments, plus the activations the
     * backward pass keeps for a batch of {@code batchSize}.
     */
    public abstract long trainingBytes(ModelSpec m, TaskSpec task, int batchSize);

    /** Adds the errors of the model's fields (and the task fields the model depends on); a valid spec adds none. */
    abstract void validate(TaskSpec task, ModelSpec m, TrainingSpec t, List<FieldError> errors);

    /** What to shrink when a spec does not fit in memory. */
    String memoryHint() {
        return memoryHint;
    }

    private static boolean hasMlp(ModelSpec m) {
        return !Boolean.TRUE.equals(m.attnOnly()) && m.dMlp() != null;
    }
}
