package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.List;
import org.interplab.core.model.Transformer;

/**
 * Runs a model on one text now: per layer and token, the neurons with the highest {@code mlp.hook_post}, and per
 * layer the neurons with the highest activation anywhere in the text. The text is read after an end-of-text token,
 * as stories are during a scan; texts longer than n_ctx − 1 tokens are cut.
 */
public final class LiveText {
    private LiveText() {
    }

    public record NeuronAct(int neuron, float activation) {
    }

    /** Per layer: top neurons per token ({@code perToken[t]}) and over the whole text ({@code overall}). */
    public record Layer(int layer, List<List<NeuronAct>> perToken, List<NeuronAct> overall) {
    }

    public static List<Layer> run(Transformer model, int[] tokens, int topN) {
        Transformer.Config cfg = model.config();
        int len = Math.min(tokens.length, cfg.nCtx() - 1);
        int[][] batch = new int[1][len + 1];
        batch[0][0] = Stories.EOT;
        System.arraycopy(tokens, 0, batch[0], 1, len);
        float[][] posts = NeuronScanner.hookPosts(model, batch);
        List<Layer> out = new ArrayList<>();
        int d = cfg.dMlp();
        for (int l = 0; l < cfg.nLayers(); l++) {
            float[] acts = posts[l];
            List<List<NeuronAct>> perToken = new ArrayList<>();
            float[] maxOver = new float[d];
            java.util.Arrays.fill(maxOver, Float.NEGATIVE_INFINITY);
            for (int t = 1; t <= len; t++) {
                float[] row = java.util.Arrays.copyOfRange(acts, t * d, (t + 1) * d);
                for (int n = 0; n < d; n++) {
                    maxOver[n] = Math.max(maxOver[n], row[n]);
                }
                perToken.add(top(row, topN));
            }
            out.add(new Layer(l, perToken, top(maxOver, topN)));
        }
        return out;
    }

    /** The k largest entries, ties to the lower index (a bounded selection, no full sort). */
    static List<NeuronAct> top(float[] v, int k) {
        int[] idx = TopK.indices(v, k);
        List<NeuronAct> out = new ArrayList<>(idx.length);
        for (int i : idx) {
            out.add(new NeuronAct(i, v[i]));
        }
        return out;
    }
}
