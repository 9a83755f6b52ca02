package org.interplab.contracts.spec;

/**
 * Architecture. {@code kind} is {@code transformer} (TransformerLens-style, names follow HookedTransformerConfig),
 * {@code tms} (W [instances, features, hidden]) or {@code cis} (W1, W2 per instance).
 *
 * <p>Transformer fields: nLayers, nHeads, dHead, dModel, nCtx, dVocab, dVocabOut, dMlp, attnOnly, normalization
 * ("LN" or "none"), useAttnScale (1/√d_head), actFn ("gelu", "gelu_new", "relu"), window (local attention, null =
 * global). TMS / CiS fields: nInstances, nHidden, actFn, dropout, l1.
 */
public record ModelSpec(String kind, Integer nLayers, Integer nHeads, Integer dHead, Integer dModel, Integer nCtx,
                        Integer dVocab, Integer dVocabOut, Integer dMlp, Boolean attnOnly, String normalization,
                        Boolean useAttnScale, String actFn, Integer window, Integer nInstances, Integer nHidden,
                        Double dropout, Double l1) {

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
}
