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
        long done = 0;
        for (int g = groupFrom; g < groupTo; g++) {
            int from = g * storiesPerBatch, to = Math.min(stories.count(), from + storiesPerBatch);
            List<int[]> rows = new ArrayList<>();   // {stream start, length} of each piece
            for (int st = from; st < to; st++) {
                for (int a = stories.start(st); a < stories.end(st); a += piece) {
                    rows.add(new int[] {a, Math.min(piece, stories.end(st) - a)});
                }
            }
            if (rows.isEmpty()) {
                continue;
            }
            int width = 1 + rows.stream().mapToInt(r -> r[1]).max().orElse(0);
            int[][] batch = new int[rows.size()][width];
            for (int i = 0; i < rows.size(); i++) {
                Arrays.fill(batch[i], Stories.EOT);
                System.arraycopy(stories.stream(), rows.get(i)[0], batch[i], 1, rows.get(i)[1]);
            }
            float[][] posts = hookPosts(model, batch);
            for (int l = 0; l < cfg.nLayers(); l++) {
                float[] acts = posts[l];
                for (int i = 0; i < rows.size(); i++) {
                    layers.get(l).accept(batch[i], 1 + rows.get(i)[1], 1, rows.get(i)[0] - 1L, acts,
                            i * width * cfg.dMlp());
                }
            }
            done += rows.stream().mapToLong(r -> r[1]).sum();
            if (progress != null && !progress.batchDone(done)) {
                return null;
            }
        }
        return layers;
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
