package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.interplab.core.model.HookFn;
import org.interplab.core.model.Transformer;

/**
 * Runs a transformer LM over a range of stories and feeds every layer's {@code mlp.hook_post} into a
 * {@link LayerScan}. Each story is cut into pieces of at most n_ctx − 1 tokens; each piece is read after an
 * end-of-text token (as the model saw stories in training) which is context only, not scanned. Batches are
 * fixed groups of {@code storiesPerBatch} consecutive stories, counted from story 0 of the stream, so a story is
 * computed in the same batch whatever the sharding: shards that start and end on group boundaries give bit-identical
 * activations, and their merged result equals one scan over the whole range.
 */
public final class NeuronScanner {
    /** Called after each batch with the tokens scanned so far; returning false stops the scan. */
    public interface Progress {
        boolean batchDone(long tokensDone);
    }

    private NeuronScanner() {
    }

    /** Scans stories of groups [groupFrom, groupTo); null when stopped by {@code progress}. */
    public static List<LayerScan> scan(Transformer model, Stories stories, int storiesPerBatch, int groupFrom,
                                       int groupTo, ScanSettings settings, Progress progress) {
        Transformer.Config cfg = model.config();
        if (cfg.attnOnly() || cfg.dMlp() <= 0) {
            throw new IllegalArgumentException("the model has no MLP: nothing for a Neuroscope to scan");
        }
        List<LayerScan> layers = new ArrayList<>();
        for (int l = 0; l < cfg.nLayers(); l++) {
            layers.add(new LayerScan(cfg.dMlp(), settings));
        }
        int piece = cfg.nCtx() - 1;
        HookPosts forward = hookPostsOf(model);
        long done = 0;
        for (int g = groupFrom; g < groupTo; g++) {
            int from = g * storiesPerBatch, to = Math.min(stories.count(), from + storiesPerBatch);
            List<int[]> seqs = new ArrayList<>();   // each piece after an end-of-text token
            List<Long> starts = new ArrayList<>();  // stream index of each piece's first token
            for (int st = from; st < to; st++) {
                for (int a = stories.start(st); a < stories.end(st); a += piece) {
                    int len = Math.min(piece, stories.end(st) - a);
                    int[] seq = new int[1 + len];
                    seq[0] = Stories.EOT;
                    System.arraycopy(stories.stream(), a, seq, 1, len);
                    seqs.add(seq);
                    starts.add((long) a);
                }
            }
            if (seqs.isEmpty()) {
                continue;
            }
            int[][] batch = seqs.toArray(new int[0][]);
            int rows = Arrays.stream(batch).mapToInt(q -> q.length).sum();
            float[][] posts = forward.of(batch);
            long[] firstPositions = starts.stream().mapToLong(p -> p - 1).toArray(); // each piece's EOT
            for (int l = 0; l < cfg.nLayers(); l++) {
                layers.get(l).acceptBatch(batch, 1, firstPositions, posts[l], rows);
            }
            done += rows - batch.length;
            if (progress != null && !progress.batchDone(done)) {
                return null;
            }
        }
        return layers;
    }

    /**
     * Every layer's {@code mlp.hook_post} of a batch of sequences (each at most n_ctx tokens, read from position 0),
     * packed and transposed: per layer [d_mlp, Σ len], c order, sequence i at columns [start_i, start_i + len_i).
     * The arrays may be longer, and may be reused by the next call.
     */
    interface HookPosts {
        float[][] of(int[][] seqs);
    }

    /**
     * The forward a scan runs: {@link ScanForward} on the CPU backend; elsewhere (e.g. CUDA, where the Java parts
     * could not read device memory) the model's own forward pass on a padded batch ({@link #hookPosts}), repacked.
     */
    static HookPosts hookPostsOf(Transformer model) {
        return ScanForward.supports(model) ? new ScanForward(model)::hookPostsT : modelForward(model);
    }

    /** The fallback of {@link #hookPostsOf}: the model's own forward on the padded batch, repacked. */
    static HookPosts modelForward(Transformer model) {
        return seqs -> packTransposed(model.config().dMlp(), seqs, hookPosts(model, padded(seqs)));
    }

    /**
     * The sequences padded to the longest with token 0 (in every vocabulary; under the causal mask padding after a
     * sequence leaves its activations unchanged).
     */
    static int[][] padded(int[][] seqs) {
        int width = Arrays.stream(seqs).mapToInt(q -> q.length).max().orElse(0);
        int[][] batch = new int[seqs.length][width];
        for (int i = 0; i < seqs.length; i++) {
            System.arraycopy(seqs[i], 0, batch[i], 0, seqs[i].length);
        }
        return batch;
    }

    /** Padded [batch, width, d_mlp] activations per layer → packed, transposed [d_mlp, Σ len]. */
    private static float[][] packTransposed(int dMlp, int[][] seqs, float[][] paddedPosts) {
        int width = Arrays.stream(seqs).mapToInt(q -> q.length).max().orElse(0);
        int rows = Arrays.stream(seqs).mapToInt(q -> q.length).sum();
        float[][] out = new float[paddedPosts.length][rows * dMlp];
        for (int l = 0; l < paddedPosts.length; l++) {
            int r = 0;
            for (int i = 0; i < seqs.length; i++) {
                for (int t = 0; t < seqs[i].length; t++, r++) {
                    int src = (i * width + t) * dMlp;
                    for (int n = 0; n < dMlp; n++) {
                        out[l][n * rows + r] = paddedPosts[l][src + n];
                    }
                }
            }
        }
        return out;
    }

    /** Thrown by the last layer's hook_post hook: the scan needs nothing after it (no ln_final, no unembedding). */
    private static final class Stop extends RuntimeException {
        Stop() {
            super(null, null, false, false);
        }
    }

    /**
     * Every layer's {@code mlp.hook_post} [batch, pos, d_mlp] (c order, flattened, on the Java heap) of one forward
     * pass that stops right after the last one: the unembedding (d_model × 50 257 per token) would cost many times the
     * layers below it. The pass runs in the model's step workspace (no fresh off-heap arrays per batch).
     */
    static float[][] hookPosts(Transformer model, int[][] batch) {
        int layers = model.config().nLayers();
        String last = "blocks." + (layers - 1) + ".mlp.hook_post";
        float[][] out = new float[layers][];
        Map<String, HookFn> hooks = new HashMap<>();
        for (int l = 0; l < layers; l++) {
            int layer = l;
            hooks.put("blocks." + l + ".mlp.hook_post", (activation, name) -> {
                out[layer] = activation.dup('c').data().asFloat();
                if (name.equals(last)) {
                    throw new Stop();
                }
                return null;
            });
        }
        return Transformer.inStepWorkspace(() -> {
            try {
                model.runWithCache(batch, name -> false, hooks);
            } catch (Stop done) {
                return out;
            }
            throw new IllegalStateException("the forward pass never reached " + last);
        });
    }

    /** Number of batch groups over the first {@code storyCount} stories. */
    public static int groups(int storyCount, int storiesPerBatch) {
        return (storyCount + storiesPerBatch - 1) / storiesPerBatch;
    }
}
