package org.interplab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The LM benchmark's model (issue 8 item 8): the `tinystories-1l` preset's model and training settings exactly
 * (GPT-Neo style: LayerNorm, gelu_new, no 1/√d_head scaling, untied W_E / W_U over the GPT-2 vocabulary of 50 257,
 * AdamW); {@code batch} sequences per step (the preset's own batch size by default). Batches are random token
 * windows (uniform over the vocabulary, fixed seed; speed does not depend on the text), every position predicts
 * the next token.
 */
final class LmSetup {
    static final int VOCAB = 50257;
    final ModelSpec model;
    final Transformer.Config cfg;
    final TrainingSpec training;
    final int batch;
    final List<TokenBatch> batches = new ArrayList<>();

    static final String PRESET = "tinystories-1l";

    /** The preset's batch size (sequences per step). */
    static int presetBatch() {
        return org.interplab.contracts.spec.Presets.expand(PRESET, 11L, null).training().batchSize();
    }

    LmSetup(int batch, int nBatches) {
        this.batch = batch;
        var preset = org.interplab.contracts.spec.Presets.expand(PRESET, 11L, null);
        model = preset.model();
        cfg = Transformer.Config.of(model);
        training = preset.training();
        Rng rng = new Rng(Rng.derive(11, "bench-lm"));
        int t = model.nCtx();
        for (int b = 0; b < nBatches; b++) {
            int[][] tokens = new int[batch][t];
            int[][] targets = new int[batch][t];
            for (int i = 0; i < batch; i++) {
                int[] stream = new int[t + 1];
                for (int p = 0; p <= t; p++) {
                    stream[p] = rng.nextInt(VOCAB);
                }
                System.arraycopy(stream, 0, tokens[i], 0, t);
                System.arraycopy(stream, 1, targets[i], 0, t);
            }
            batches.add(new TokenBatch(tokens, targets));
        }
    }

    Map<String, INDArray> init() {
        return Transformer.init(cfg, 11);
    }

    int tokensPerStep() {
        return batch * model.nCtx();
    }

    /**
     * Analytic FLOPs of one training step, counted like {@link AdditionSetup#stepFlops}: per token QKV (3·d·hd),
     * W_O (hd·d), W_in and W_out (2·d·d_mlp) and W_U (d·V); per sequence and head q·kᵀ and pattern·v (2·T²·dh, full
     * T×T); × 2 per multiply-add, × 3 for forward + backward; the embedding is a lookup (0).
     */
    double stepFlops() {
        double t = model.nCtx(), n = batch * t, d = model.dModel(), hd = (double) model.nHeads() * model.dHead();
        double perToken = 3 * d * hd + hd * d + 2 * d * model.dMlp() + d * model.dVocabOut();
        double attention = 2.0 * batch * model.nHeads() * t * t * model.dHead();
        return 3 * 2 * (n * perToken + attention) * model.nLayers();
    }
}
