package org.interplab.contracts.spec;

/**
 * Architecture. {@code kind} is {@code transformer} (TransformerLens-style, names follow HookedTransformerConfig),
 * {@code tms} (W [instances, features, hidden]) or {@code cis} (W1, W2 per instance).
 *
 * <p>Transformer fields: nLayers, nHeads, dHead, dModel, nCtx, dVocab, dVocabOut, dMlp, attnOnly, normalization
 * ("LN" or "none"), useAttnScale (1/√d_head), actFn ("gelu", "gelu_new", "relu"), window (local attention, null =
 * global). TMS / CiS fields: nInstances (independent copies trained together, each with its own data and, for
 * TMS, its own feature probability), nHidden, actFn ("relu" default, "gelu", "gelu_new"); TMS only: dropout
 * (probability of zeroing a hidden unit during training, inverted scaling, default 0) and l1 (coefficient of the
 * penalty l1·Σ_k |h_k| on the hidden activations, averaged over the batch, default 0).
 *
 * <p>Language-model fields (TransformerLens's HookedTransformerConfig / GPT-Neo): attnTypes, one of "global" or
 * "local" per layer (null = every layer global, or every layer local when {@code window} is set — the older form);
 * windowSize, the key window of the "local" layers (a query at q attends keys k with q − k < windowSize);
 * lnEps, LayerNorm's epsilon (default 1e-5); tiedEmbeddings, whether W_U is W_Eᵀ (one parameter, GPT-Neo's
 * lm_head tied to wte; default false).
 */
public record ModelSpec(String kind, Integer nLayers, Integer nHeads, Integer dHead, Integer dModel, Integer nCtx,
                        Integer dVocab, Integer dVocabOut, Integer dMlp, Boolean attnOnly, String normalization,
                        Boolean useAttnScale, String actFn, Integer window, Integer nInstances, Integer nHidden,
                        Double dropout, Double l1, java.util.List<String> attnTypes, Integer windowSize,
                        Double lnEps, Boolean tiedEmbeddings) {

    /** The fields before the language-model ones existed; those stay absent. */
    public ModelSpec(String kind, Integer nLayers, Integer nHeads, Integer dHead, Integer dModel, Integer nCtx,
                     Integer dVocab, Integer dVocabOut, Integer dMlp, Boolean attnOnly, String normalization,
                     Boolean useAttnScale, String actFn, Integer window, Integer nInstances, Integer nHidden,
                     Double dropout, Double l1) {
        this(kind, nLayers, nHeads, dHead, dModel, nCtx, dVocab, dVocabOut, dMlp, attnOnly, normalization,
                useAttnScale, actFn, window, nInstances, nHidden, dropout, l1, null, null, null, null);
    }

    /**
     * Number of trainable scalars, as {@link ModelKind#parameterCount} of this spec's kind ({@code task} is needed
     * by the toy kinds, whose width comes from the task; a transformer ignores it); 0 for an unknown kind.
     */
    public long parameterCount(TaskSpec task) {
        return ModelKind.of(kind).map(k -> k.parameterCount(this, task)).orElse(0L);
    }

    /** {@link #parameterCount(TaskSpec)} of a transformer (which needs no task). */
    public long parameterCount() {
        return parameterCount(null);
    }
}
