package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Hooks that replace activations: ablation and patching against independent computations; cache shapes. */
@ExtendWith(DoublePrecision.class)
class HookReplacementTest {
    /** 2 layers with MLP and LayerNorm, layer 0 local (window 2), GPT-Neo style (unscaled, gelu_new, tied). */
    private static final Transformer.Config CFG = new Transformer.Config(2, 3, 2, 6, 5, 7, 7, 8, false, true, false,
            Activation.GELU_NEW, List.of("local", "global"), 2, 1e-5, true);

    private static Map<String, INDArray> params(Transformer.Config cfg) {
        Map<String, INDArray> p = Transformer.init(cfg, 3);
        Nd4j.getRandom().setSeed(11);
        p.replaceAll((name, w) -> w.addi(Nd4j.rand(DataType.DOUBLE, w.shape()).subi(0.5)));
        return p;
    }

    private static int[][] tokens(long seed) {
        Rng rng = new Rng(seed);
        int[][] t = new int[4][5];
        for (int[] row : t) {
            for (int p = 0; p < row.length; p++) {
                row[p] = rng.nextInt(7);
            }
        }
        return t;
    }

    /** Zero-ablating head h (through hook_z, hook_result or hook_pattern) = the model with W_O[h] zeroed in a copy. */
    @Test
    void zeroAblatingAHeadEqualsZeroingItsOutputWeights() {
        Map<String, INDArray> params = params(CFG);
        Transformer model = new Transformer(CFG, params);
        int[][] tok = tokens(1);
        int layer = 1, head = 2;
        Map<String, INDArray> ablatedCopy = new LinkedHashMap<>();
        params.forEach((name, w) -> ablatedCopy.put(name, w.dup()));
        ablatedCopy.get("blocks." + layer + ".attn.W_O").get(point(head), all(), all()).assign(0);
        INDArray expected = new Transformer(CFG, ablatedCopy).logits(tok);
        INDArray plain = model.logits(tok);
        assertTrue(plain.sub(expected).norm2Number().doubleValue() > 1e-3, "the head matters");
        for (String hook : new String[] {"hook_z", "hook_result", "hook_pattern", "hook_v"}) {
            INDArray ablated = model.run(tok, Map.of("blocks." + layer + ".attn." + hook, Hooks.zeroHead(head)));
            assertTrue(expected.equalsWithEps(ablated, 1e-10), hook + ": " + expected.sub(ablated).norm2Number());
        }
        assertEquals(plain, model.logits(tok), "hooks leave the weights alone");
    }

    /** Patching the last block's hook_resid_post with another run's cache gives that run's logits. */
    @Test
    void patchingTheResidualStreamReproducesTheOtherRun() {
        Transformer model = new Transformer(CFG, params(CFG));
        int[][] clean = tokens(2), corrupted = tokens(3);
        Map<String, INDArray> cleanCache = model.runWithCache(clean);
        String hook = "blocks.1.hook_resid_post";
        INDArray patched = model.run(corrupted, Map.of(hook, Hooks.patch(cleanCache.get(hook))));
        assertTrue(cleanCache.get("logits").equalsWithEps(patched, 1e-10));
        assertFalse(model.logits(corrupted).equalsWithEps(patched, 1e-3));
        // patching one head of layer 0 from the clean run: hook_z of that head becomes the clean one downstream
        Map<String, INDArray> cache = model.runWithCache(corrupted, n -> n.endsWith("attn.hook_z"),
                Map.of("blocks.0.attn.hook_z", Hooks.patchHead(1, cleanCache.get("blocks.0.attn.hook_z"))));
        INDArray z = cache.get("blocks.0.attn.hook_z");
        assertEquals(cleanCache.get("blocks.0.attn.hook_z").get(all(), all(), point(1), all()),
                z.get(all(), all(), point(1), all()));
    }

    /** Mean ablation of the final residual stream: every sequence then has the same logits at each position. */
    @Test
    void meanAblationOverTheBatch() {
        Transformer model = new Transformer(CFG, params(CFG));
        INDArray logits = model.run(tokens(4), Map.of("blocks.1.hook_resid_post", Hooks.meanOverBatch()));
        for (int b = 1; b < 4; b++) {
            assertTrue(logits.slice(0).equalsWithEps(logits.slice(b), 1e-10));
        }
    }

    @Test
    void everyHookHasItsDocumentedShape() {
        Transformer model = new Transformer(CFG, params(CFG));
        int batch = 4, pos = 5, h = 3, dh = 2, d = 6, dMlp = 8;
        Map<String, INDArray> cache = model.runWithCache(tokens(5));
        assertEquals(Transformer.hookNames(CFG).size() + 1, cache.size());
        for (String name : Transformer.hookNames(CFG)) {
            long[] shape;
            if (name.matches(".*attn\\.hook_[qkvz]")) {
                shape = new long[] {batch, pos, h, dh};
            } else if (name.endsWith("hook_pattern")) {
                shape = new long[] {batch, h, pos, pos};
            } else if (name.endsWith("hook_result")) {
                shape = new long[] {batch, pos, h, d};
            } else if (name.contains("mlp.hook_")) {
                shape = new long[] {batch, pos, dMlp};
            } else {
                shape = new long[] {batch, pos, d};
            }
            assertArrayEquals(shape, cache.get(name).shape(), name);
        }
        assertArrayEquals(new long[] {batch, pos, 7}, cache.get("logits").shape());
        // the residual stream recomposes: resid_post = resid_mid + mlp_out = resid_pre + attn_out + mlp_out
        INDArray recomposed = cache.get("blocks.0.hook_resid_pre").add(cache.get("blocks.0.hook_attn_out"))
                .add(cache.get("blocks.0.hook_mlp_out"));
        assertTrue(recomposed.equalsWithEps(cache.get("blocks.0.hook_resid_post"), 1e-12));
        assertTrue(cache.get("hook_embed").add(cache.get("hook_pos_embed"))
                .equalsWithEps(cache.get("blocks.0.hook_resid_pre"), 1e-12));
    }

    @Test
    void unknownHookNamesAreRefused() {
        Transformer model = new Transformer(CFG, params(CFG));
        assertThrows(IllegalArgumentException.class,
                () -> model.run(tokens(6), Map.of("blocks.0.attn.hook_patern", Hooks.zero())));
    }
}
