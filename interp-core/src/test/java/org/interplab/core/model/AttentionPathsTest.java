package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention paths — the QKV kernel (default), the per-head fused kernel (hooked runs), the per-d_head broadcast
 * ops (d_head ≤ 2), all in the step workspace, and batched matmuls with fresh arrays — give the same loss, logits and
 * gradients; and the detached
 * gradients survive later steps.
 */
class AttentionPathsTest {
    @AfterEach
    void restore() {
        TransformerTuning.fastPaths(true);
    }

    @Test
    void bothPathsGiveTheSameLossLogitsAndGradients() {
        Transformer.Config cfg = new Transformer.Config(2, 3, 2, 8, 6, 7, 5, 0, true, false, true,
                Activation.RELU, 4);
        Map<String, INDArray> params = Transformer.init(cfg, 3);
        Nd4j.getRandom().setSeed(5);
        params.replaceAll((name, p) -> p.addi(Nd4j.rand(p.dataType(), p.shape()).subi(0.5)));
        Rng rng = new Rng(9);
        int[][] tokens = new int[4][6];
        int[][] targets = new int[4][6];
        for (int i = 0; i < 4; i++) {
            for (int p = 0; p < 6; p++) {
                tokens[i][p] = rng.nextInt(7);
                targets[i][p] = p >= 2 ? rng.nextInt(5) : TokenBatch.NO_LOSS;
            }
        }
        TokenBatch data = new TokenBatch(tokens, targets);
        Transformer model = new Transformer(cfg, params);
        TransformerTuning.fastPaths(true);
        Transformer.Output fast = model.lossAndGradients(data);
        Transformer.Output fast2 = model.lossAndGradients(data); // reuses the workspace: fast must be unchanged
        TransformerTuning.perHeadKernelPath();
        Transformer.Output perHead = model.lossAndGradients(data);
        TransformerTuning.perDimensionPath();
        Transformer.Output perDim = model.lossAndGradients(data);
        TransformerTuning.fastPaths(false);
        Transformer.Output slow = model.lossAndGradients(data);
        double tol = params.get("embed.W_E").dataType() == DataType.DOUBLE ? 1e-10 : 2e-5;
        assertEquals(slow.loss(), fast.loss(), tol);
        assertEquals(slow.loss(), perDim.loss(), tol);
        assertEquals(slow.loss(), perHead.loss(), tol);
        assertTrue(slow.logits().equalsWithEps(fast.logits(), tol));
        assertEquals(slow.grads().keySet(), fast.grads().keySet());
        for (String name : slow.grads().keySet()) {
            INDArray s = slow.grads().get(name), f = fast.grads().get(name);
            assertTrue(s.equalsWithEps(f, tol * Math.max(1, s.norm2Number().doubleValue())),
                    name + ": " + s + " vs " + f);
            assertTrue(f.equalsWithEps(fast2.grads().get(name), 0), name + " changed by a later step");
            assertTrue(s.equalsWithEps(perDim.grads().get(name), tol * Math.max(1, s.norm2Number().doubleValue())),
                    name + " (per-dimension path)");
            assertTrue(s.equalsWithEps(perHead.grads().get(name), tol * Math.max(1, s.norm2Number().doubleValue())),
                    name + " (per-head kernel path)");
            assertTrue(s.norm2Number().doubleValue() > 0 || name.endsWith("b_K"), name + " all zero");
        }
    }
}
