package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Hand-written backward pass against central finite differences, in double precision. */
@ExtendWith(DoublePrecision.class)
class TransformerGradientCheckTest {
    @Test
    void attentionOnlyWithoutLayerNorm() {
        check(new Transformer.Config(1, 2, 3, 6, 5, 7, 4, 0, true, false, true, Activation.RELU, null), 5);
    }

    @Test
    void twoLayersMlpLayerNormGelu() {
        check(new Transformer.Config(2, 2, 2, 5, 5, 6, 3, 7, false, true, true, Activation.GELU, null), 4);
    }

    @Test
    void gptNeoStyleUnscaledLocalAttentionGeluNew() {
        check(new Transformer.Config(2, 3, 2, 6, 6, 6, 5, 8, false, true, false, Activation.GELU_NEW, 3), 6);
    }

    @Test
    void shorterSequenceThanContext() {
        check(new Transformer.Config(1, 2, 2, 4, 6, 5, 3, 6, false, true, true, Activation.RELU, null), 4);
    }

    /** GPT-Neo-like: layer 0 local (window 2 &lt; the sequence's 6), layer 1 global; unscaled; tied unembedding. */
    @Test
    void perLayerLocalGlobalTiedGptNeo() {
        check(new Transformer.Config(2, 2, 3, 6, 6, 7, 7, 8, false, true, false, Activation.GELU_NEW,
                List.of("local", "global"), 2, 0.1, true), 6);
    }

    /** Global then local, untied, LayerNorm eps 1e-3, matmul attention path (d_head 3). */
    @Test
    void globalThenLocalUntiedWithLnEps() {
        check(new Transformer.Config(2, 2, 3, 5, 5, 6, 4, 7, false, true, true, Activation.GELU,
                List.of("global", "local"), 3, 1e-3, false), 5);
    }

    /** Tokens from a 3-token vocabulary, so the gather's scatter-add must accumulate repeated tokens. */
    @Test
    void repeatedTokensTiedAttentionOnly() {
        check(new Transformer.Config(1, 2, 2, 4, 6, 3, 3, 0, true, false, true, Activation.RELU,
                List.of("global"), 0, Transformer.LN_EPS, true), 6);
    }

    /**
     * The training loops' path: gradients copied into arrays reused from step to step equal fresh copies, step after
     * step (overwritten, not accumulated), for tied and untied models; the logits are left null.
     */
    @Test
    void reusedGradientArraysEqualFreshOnes() {
        for (boolean tied : new boolean[] {true, false}) {
            Transformer.Config cfg = new Transformer.Config(1, 2, 3, 6, 6, 7, 7, 8, false, true, false,
                    Activation.GELU_NEW, List.of("global"), 0, 1e-5, tied);
            Transformer model = new Transformer(cfg, Transformer.init(cfg, 3));
            Map<String, INDArray> reused = new java.util.LinkedHashMap<>();
            Rng rng = new Rng(5);
            for (int step = 0; step < 3; step++) {
                int[][] tokens = new int[2][6];
                int[][] targets = new int[2][6];
                for (int i = 0; i < 2; i++) {
                    for (int p = 0; p < 6; p++) {
                        tokens[i][p] = rng.nextInt(7);
                        targets[i][p] = rng.nextInt(7);
                    }
                }
                TokenBatch data = new TokenBatch(tokens, targets);
                Transformer.Output fresh = model.lossAndGradients(data);
                Transformer.Output into = model.lossAndGradients(data, false, reused);
                assertTrue(into.logits() == null && fresh.logits() != null);
                assertTrue(Math.abs(fresh.loss() - into.loss()) < 1e-12);
                assertTrue(fresh.grads().keySet().equals(into.grads().keySet()));
                for (String name : fresh.grads().keySet()) {
                    assertTrue(into.grads().get(name) == reused.get(name), name + " is not the reused array");
                    double diff = fresh.grads().get(name).sub(into.grads().get(name)).amaxNumber().doubleValue();
                    assertTrue(diff < 1e-12, name + " differs by " + diff + " at step " + step + ", tied " + tied);
                }
            }
        }
    }

    static void check(Transformer.Config cfg, int seqLen) {
        Rng rng = new Rng(42);
        Map<String, INDArray> params = Transformer.init(cfg, 7);
        // random values everywhere (biases and LayerNorm too), so every term of the backward pass is exercised
        params.replaceAll((name, p) -> p.addi(Nd4j.rand(DataType.DOUBLE, p.shape()).subi(0.5)));
        int batch = 3;
        int[][] tokens = new int[batch][seqLen];
        int[][] targets = new int[batch][seqLen];
        for (int i = 0; i < batch; i++) {
            for (int p = 0; p < seqLen; p++) {
                tokens[i][p] = rng.nextInt(cfg.dVocab());
                targets[i][p] = p % 2 == 1 || p == seqLen - 1 ? rng.nextInt(cfg.dVocabOut()) : TokenBatch.NO_LOSS;
            }
        }
        TokenBatch data = new TokenBatch(tokens, targets);
        Transformer model = new Transformer(cfg, params);
        Map<String, INDArray> grads = model.lossAndGradients(data).grads();
        double eps = 1e-6;
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            INDArray p = e.getValue();
            INDArray flat = p.reshape(p.length());
            INDArray g = grads.get(e.getKey()).reshape(p.length());
            double diff = 0, norm = 0;
            int samples = (int) Math.min(p.length(), 12);
            for (int s = 0; s < samples; s++) {
                long i = p.length() <= 12 ? s : rng.nextInt((int) p.length());
                double orig = flat.getDouble(i);
                flat.putScalar(i, orig + eps);
                double up = model.loss(data).loss();
                flat.putScalar(i, orig - eps);
                double down = model.loss(data).loss();
                flat.putScalar(i, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = g.getDouble(i);
                diff += (numeric - analytic) * (numeric - analytic);
                norm += numeric * numeric + analytic * analytic;
            }
            if (e.getKey().endsWith("attn.b_K")) {
                // softmax is shift-invariant and q·b_K shifts a query's scores uniformly: the gradient is exactly 0
                assertTrue(Math.sqrt(norm) < 1e-7, e.getKey() + " gradient should vanish, norm " + Math.sqrt(norm));
                continue;
            }
            double rel = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
            assertTrue(norm > 0 || e.getKey().contains("W_pos"), e.getKey() + ": sampled gradient is all zero");
            assertTrue(rel < 1e-5, e.getKey() + " relative error " + rel);
        }
    }
}
