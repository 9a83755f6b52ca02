package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.core.model.Activation;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The scan's packed forward ({@link ScanForward}) against the model's ordinary forward pass run on each sequence
 * alone (no packing, no padding): every layer's hook_post to 1e-4, over architectures that exercise each branch
 * (LayerNorm or none, attention scale or none, global and local layers, relu / gelu / gelu_new, one or two layers),
 * both attention paths (Java loops and ND4J batched matmuls), and the fallback path (the model's padded forward, repacked) against the same reference.
 */
class ScanForwardTest {
    static final int VOCAB = 97;

    record Arch(Transformer.Config cfg, String what) {
    }

    static List<Arch> archs() {
        return List.of(
                new Arch(new Transformer.Config(2, 3, 5, 12, 16, VOCAB, VOCAB, 20, false, true, true,
                        Activation.GELU_NEW, null), "LN, scaled, gelu_new, 2 layers"),
                new Arch(new Transformer.Config(1, 2, 8, 16, 24, VOCAB, VOCAB, 32, false, false, false,
                        Activation.RELU, 3), "no LN, unscaled, relu, local window 3"),
                new Arch(new Transformer.Config(2, 4, 4, 16, 20, VOCAB, VOCAB, 24, false, true, false,
                        Activation.GELU, List.of("local", "global"), 5, 1e-5, true), "LN, gelu, local+global, tied"));
    }

    /** Random sequences of 1..n_ctx tokens. */
    static int[][] sequences(Rng rng, int count, int nCtx) {
        int[][] seqs = new int[count][];
        for (int i = 0; i < count; i++) {
            seqs[i] = new int[1 + rng.nextInt(nCtx)];
            for (int t = 0; t < seqs[i].length; t++) {
                seqs[i][t] = rng.nextInt(VOCAB);
            }
        }
        return seqs;
    }

    /** The model's hook_post of one sequence alone, [len, d_mlp] flattened. */
    static float[] reference(Transformer model, int[] seq, int layer) {
        String name = "blocks." + layer + ".mlp.hook_post";
        Map<String, INDArray> cache = model.runWithCache(new int[][] {seq}, n -> n.equals(name));
        return cache.get(name).castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    @Test
    void hookPostsEqualTheModelsForwardPerSequence() {
        Rng rng = new Rng(11);
        for (Arch a : archs()) {
            // weights larger than the default init, so that attention patterns are far from uniform
            Map<String, INDArray> p = Transformer.init(a.cfg(), 3);
            p.forEach((name, w) -> {
                if (name.contains(".W_")) {
                    w.muli(2.5);
                }
                if (name.contains(".b_") || name.endsWith(".b")) {
                    w.assign(org.nd4j.linalg.factory.Nd4j.randn(rng.nextLong(), w.shape()).castTo(w.dataType())
                            .muli(0.3));
                }
            });
            Transformer model = new Transformer(a.cfg(), p);
            int[][] seqs = sequences(rng, 7, a.cfg().nCtx());
            int threshold = ScanForward.nd4jAttentionMinDHead;
            try {
                ScanForward.nd4jAttentionMinDHead = Integer.MAX_VALUE;
                check(a, model, seqs, new ScanForward(model).hookPostsT(seqs), "ScanForward, Java attention");
                ScanForward.nd4jAttentionMinDHead = 0;
                check(a, model, seqs, new ScanForward(model).hookPostsT(seqs), "ScanForward, ND4J attention");
            } finally {
                ScanForward.nd4jAttentionMinDHead = threshold;
            }
            check(a, model, seqs, NeuronScanner.modelForward(model).of(seqs), "fallback");
        }
    }

    private static void check(Arch a, Transformer model, int[][] seqs, float[][] got, String path) {
        int dMlp = a.cfg().dMlp(), rows = 0;
        for (int[] s : seqs) {
            rows += s.length;
        }
        double maxErr = 0, maxAbs = 0;
        for (int l = 0; l < a.cfg().nLayers(); l++) {
            assertTrue(got[l].length >= rows * dMlp);
            int start = 0;
            for (int[] s : seqs) {
                float[] ref = reference(model, s, l);
                for (int t = 0; t < s.length; t++) {
                    for (int n = 0; n < dMlp; n++) {
                        float want = ref[t * dMlp + n], have = got[l][n * rows + start + t];
                        maxErr = Math.max(maxErr, Math.abs(want - have));
                        maxAbs = Math.max(maxAbs, Math.abs(want));
                    }
                }
                start += s.length;
            }
        }
        assertTrue(maxErr <= 1e-4, path + " on " + a.what() + ": max |Δ| " + maxErr);
        assertTrue(maxAbs > 0.5, a.what() + ": activations too small to test anything: " + maxAbs);
    }
}
