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

    /** Number of trainable scalars; used to refuse specs that cannot fit in memory before training starts. */
    public long parameterCount() {
        if ("transformer".equals(kind)) {
            long dm = dModel, hd = (long) nHeads * dHead;
            long perLayer = 4 * dm * hd + 3 * hd + dm;
            if (!Boolean.TRUE.equals(attnOnly) && dMlp != null) {
                perLayer += 2 * dm * dMlp + dMlp + dm;
            }
            if ("LN".equals(normalization)) {
                perLayer += 4 * dm;
            }
            return (long) dVocab * dm + (long) nCtx * dm + nLayers * perLayer + dm * dVocabOut + dVocabOut;
        }
        if ("tms".equals(kind) || "cis".equals(kind)) {
            return 2L * nInstances * nHidden * 8; // an upper bound sized by the task's feature count elsewhere
        }
        return 0;
    }

    /**
     * Trainable scalars of a TMS or CiS model for a task with {@code nFeatures} inputs and {@code nOut} outputs
     * (CiS; ignored for TMS): TMS W + b_final, CiS W1 + b1 + W2 + b2, times nInstances.
     */
    public long toyParameterCount(int nFeatures, int nOut) {
        long i = nInstances, f = nFeatures, h = nHidden;
        if ("tms".equals(kind)) {
            return i * (f * h + f);
        }
        return i * (f * h + h + h * nOut + nOut);
    }
}
