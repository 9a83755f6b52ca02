package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.List;
import org.interplab.core.model.Transformer;

/**
 * Runs a model on one text now: per layer and token, the neurons with the highest {@code mlp.hook_post}, and per
 * layer the neurons with the highest activation anywhere in the text. The text is read as a scan reads a story
 * ({@link NeuronScanner#scan}): in consecutive pieces of n_ctx − 1 tokens, each after an end-of-text token, all pieces
 * in one batch, so a text longer than the model's context gets an activation for every token, the same one a scan
 * of that story would record.
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
        int piece = cfg.nCtx() - 1;
        int pieces = Math.max(1, (tokens.length + piece - 1) / piece);
        int[][] batch = new int[pieces][];
        for (int p = 0; p < pieces; p++) {
            int from = p * piece, len = Math.min(piece, tokens.length - from);
            batch[p] = new int[1 + len];
            batch[p][0] = Stories.EOT;
            System.arraycopy(tokens, from, batch[p], 1, len);
        }
        int rows = java.util.Arrays.stream(batch).mapToInt(q -> q.length).sum();
        float[][] posts = NeuronScanner.hookPostsOf(model).of(batch);   // packed, [d_mlp, rows] per layer
        List<Layer> out = new ArrayList<>();
        int d = cfg.dMlp();
        for (int l = 0; l < cfg.nLayers(); l++) {
            float[] acts = posts[l];
            List<List<NeuronAct>> perToken = new ArrayList<>();
            float[] maxOver = new float[d];
            java.util.Arrays.fill(maxOver, Float.NEGATIVE_INFINITY);
            float[] tokenActs = new float[d];
            for (int t = 0; t < tokens.length; t++) {
                int row = (t / piece) * (piece + 1) + 1 + t % piece;   // piece, then after its end-of-text token
                for (int n = 0; n < d; n++) {
                    tokenActs[n] = acts[n * rows + row];
                    maxOver[n] = Math.max(maxOver[n], tokenActs[n]);
                }
                perToken.add(top(tokenActs, topN));
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
