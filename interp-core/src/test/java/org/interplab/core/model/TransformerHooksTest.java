package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** runWithCache: TransformerLens hook names and shapes, and values that recompose the model's own output. */
@ExtendWith(DoublePrecision.class)
class TransformerHooksTest {
    private static int[][] tokens(int batch, int len, int vocab, long seed) {
        Rng rng = new Rng(seed);
        int[][] t = new int[batch][len];
        for (int[] row : t) {
            for (int p = 0; p < len; p++) {
                row[p] = rng.nextInt(vocab);
            }
        }
        return t;
    }

    private static Map<String, INDArray> randomParams(Transformer.Config cfg) {
        Map<String, INDArray> params = Transformer.init(cfg, 3);
        params.replaceAll((name, p) -> p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5)));
        return params;
    }

    /**
     * 1 layer, attention only, no LayerNorm: logits = (W_E[tok] + W_pos + Σ_h hook_result + b_O)·W_U + b_U, to
     * rounding; and each query's pattern is a causal distribution over keys.
     */
    @Test
    void headResultsSumToTheAttentionOutput() {
        int heads = 3, dModel = 8, ctx = 6, vocab = 7, out = 5, batch = 4, len = 5;
        Transformer.Config cfg = new Transformer.Config(1, heads, 2, dModel, ctx, vocab, out, 0, true, false, true,
                Activation.RELU, null);
        Map<String, INDArray> params = randomParams(cfg);
        Transformer model = new Transformer(cfg, params);
        int[][] tok = tokens(batch, len, vocab, 5);
        Map<String, INDArray> cache = model.runWithCache(tok);

        INDArray pattern = cache.get("blocks.0.attn.hook_pattern");
        INDArray result = cache.get("blocks.0.attn.hook_result");
        assertArrayEquals(new long[] {batch, heads, len, len}, pattern.shape());
        assertArrayEquals(new long[] {batch, len, heads, dModel}, result.shape());
        assertArrayEquals(new long[] {batch, len, heads, 2}, cache.get("blocks.0.attn.hook_z").shape());
        assertFalse(cache.containsKey("blocks.0.mlp.hook_post"));
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int q = 0; q < len; q++) {
                    double sum = 0;
                    for (int k = 0; k < len; k++) {
                        double v = pattern.getDouble(b, h, q, k);
                        if (k > q) {
                            assertEquals(0.0, v, "future key " + k + " of query " + q);
                        }
                        sum += v;
                    }
                    assertEquals(1.0, sum, 1e-12);
                }
            }
        }

        double[][] wE = params.get("embed.W_E").toDoubleMatrix();
        double[][] wPos = params.get("pos_embed.W_pos").toDoubleMatrix();
        double[] bO = params.get("blocks.0.attn.b_O").toDoubleVector();
        double[][] wU = params.get("unembed.W_U").toDoubleMatrix();
        double[] bU = params.get("unembed.b_U").toDoubleVector();
        INDArray logits = model.logits(tok);
        assertEquals(logits, cache.get("logits"));
        double maxErr = 0;
        for (int b = 0; b < batch; b++) {
            for (int p = 0; p < len; p++) {
                double[] resid = new double[dModel];
                for (int j = 0; j < dModel; j++) {
                    resid[j] = wE[tok[b][p]][j] + wPos[p][j] + bO[j];
                    for (int h = 0; h < heads; h++) {
                        resid[j] += result.getDouble(b, p, h, j);
                    }
                }
                for (int v = 0; v < out; v++) {
                    double l = bU[v];
                    for (int j = 0; j < dModel; j++) {
                        l += resid[j] * wU[j][v];
                    }
                    maxErr = Math.max(maxErr, Math.abs(l - logits.getDouble(b, p, v)));
                }
            }
        }
        assertTrue(maxErr < 1e-10, "recomposed logits differ by " + maxErr);
        // each head contributes: dropping one changes the recomposition
        assertTrue(result.get(org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex
                .all(), org.nd4j.linalg.indexing.NDArrayIndex.point(1)).norm2Number().doubleValue() > 1e-3);
    }

    @Test
    void mlpHooksForTheNeuroscope() {
        int dMlp = 12, batch = 2, len = 4;
        Transformer.Config cfg = new Transformer.Config(2, 2, 3, 6, 4, 9, 9, dMlp, false, true, false,
                Activation.GELU_NEW, 2);
        Transformer model = new Transformer(cfg, randomParams(cfg));
        int[][] tok = tokens(batch, len, 9, 8);
        Map<String, INDArray> cache = model.runWithCache(tok);
        for (int l = 0; l < 2; l++) {
            INDArray pre = cache.get("blocks." + l + ".mlp.hook_pre");
            INDArray post = cache.get("blocks." + l + ".mlp.hook_post");
            assertArrayEquals(new long[] {batch, len, dMlp}, post.shape());
            assertEquals(Activation.GELU_NEW.apply(pre), post);
            // local window 2: query 3 sees keys 2 and 3 only
            INDArray pattern = cache.get("blocks." + l + ".attn.hook_pattern");
            assertEquals(0.0, pattern.getDouble(0, 0, 3, 1));
            assertTrue(pattern.getDouble(0, 0, 3, 2) > 0);
        }
        Map<String, INDArray> only = model.runWithCache(tok, name -> name.endsWith("hook_post"));
        assertEquals(java.util.Set.of("logits", "blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"), only.keySet());
        assertEquals(cache.get("blocks.1.mlp.hook_post"), only.get("blocks.1.mlp.hook_post"));
    }
}
