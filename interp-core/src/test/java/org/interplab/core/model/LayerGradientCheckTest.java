package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Each layer's hand-written backward against central finite differences (double precision), on the scalar
 * Σ forward(x) ⊙ R for a fixed random R; and the gather, the index cross-entropy and LayerNorm's eps against plain
 * loops.
 */
@ExtendWith(DoublePrecision.class)
class LayerGradientCheckTest {
    private static final double EPS = 1e-6;

    private static INDArray rand(long seed, long... shape) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.rand(DataType.DOUBLE, shape).subi(0.5).muli(2);
    }

    @Test
    void gatherEmbeddingWithRepeatedTokens() {
        INDArray wE = rand(1, 5, 4);
        int[][] tokens = {{1, 1, 3}, {3, 1, 0}};
        Run run = new Run(2, 3, Map.of(), null);
        Embed embed = new Embed(run, wE);
        INDArray out = embed.forward(tokens);
        for (int r = 0; r < 6; r++) {
            assertEquals(wE.getRow(tokens[r / 3][r % 3]), out.getRow(r), "row " + r + " is W_E[token]");
        }
        INDArray upstream = rand(2, 6, 4);
        embed.backward(upstream);
        DoubleSupplier loss = () -> new Embed(new Run(2, 3, Map.of(), null), wE).forward(tokens).mul(upstream)
                .sumNumber().doubleValue();
        assertClose("embed.W_E", numeric(wE, loss), run.grads.get("embed.W_E"));
        // token 1 appears three times: its row is the sum of three upstream rows; token 2 never: zero
        INDArray expected1 = upstream.getRow(0).add(upstream.getRow(1)).add(upstream.getRow(4));
        assertTrue(expected1.equalsWithEps(run.grads.get("embed.W_E").getRow(1), 1e-12));
        assertEquals(0.0, run.grads.get("embed.W_E").getRow(2).norm2Number().doubleValue());
    }

    @Test
    void indexCrossEntropySkipsNoLossPositions() {
        int[][] targets = {{2, TokenBatch.NO_LOSS, 4}, {TokenBatch.NO_LOSS, 0, 1}};
        INDArray logits = rand(3, 6, 5);
        CrossEntropy.Result ce = CrossEntropy.of(logits, targets, true);
        // plain loop: mean over the 4 loss positions of −log softmax[y]
        double[][] l = logits.toDoubleMatrix();
        double expected = 0;
        int count = 0;
        for (int r = 0; r < 6; r++) {
            int y = targets[r / 3][r % 3];
            if (y == TokenBatch.NO_LOSS) {
                continue;
            }
            double z = 0;
            for (double v : l[r]) {
                z += Math.exp(v);
            }
            expected -= l[r][y] - Math.log(z);
            count++;
        }
        assertEquals(expected / count, ce.loss(), 1e-12);
        assertClose("dLogits", numeric(logits, () -> CrossEntropy.of(logits, targets, false).loss()), ce.dLogits());
        assertEquals(0.0, ce.dLogits().getRow(1).norm2Number().doubleValue(), "NO_LOSS row has no gradient");
    }

    @Test
    void layerNormWithEps() {
        double eps = 0.5; // large, so that a missing or misplaced eps shows
        INDArray x = rand(4, 6, 5);
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("ln.w", rand(5, 5));
        p.put("ln.b", rand(6, 5));
        checkLayer(p, x, run -> new LayerNorm(run, "ln", p.get("ln.w"), p.get("ln.b"), eps), 2, 3);
        INDArray y = new LayerNorm(new Run(2, 3, Map.of(), null), "ln", p.get("ln.w"), p.get("ln.b"), eps).forward(x);
        double[] row = x.getRow(0).toDoubleVector();
        double mean = 0, var = 0;
        for (double v : row) {
            mean += v / row.length;
        }
        for (double v : row) {
            var += (v - mean) * (v - mean) / row.length;
        }
        for (int j = 0; j < row.length; j++) {
            double expected = (row[j] - mean) / Math.sqrt(var + eps) * p.get("ln.w").getDouble(j) + p.get("ln.b")
                    .getDouble(j);
            assertEquals(expected, y.getDouble(0, j), 1e-12);
        }
    }

    @Test
    void localAttentionPerDimensionPathUnscaled() {
        attention(2, 2, false);
    }

    @Test
    void localAttentionMatmulPathScaled() {
        attention(3, 2, true);
    }

    @Test
    void globalAttention() {
        attention(3, 0, true);
    }

    private static void attention(int dHead, int window, boolean scaled) {
        int heads = 2, dModel = 5, batch = 2, ctx = 5;
        Transformer.Config cfg = new Transformer.Config(1, heads, dHead, dModel, ctx, 4, 4, 0, true, false, scaled,
                Activation.RELU, List.of(window > 0 ? "local" : "global"), window, Transformer.LN_EPS, false);
        Map<String, INDArray> p = new LinkedHashMap<>();
        Transformer.shapes(cfg).forEach((name, shape) -> {
            if (name.startsWith("blocks.0.attn.")) {
                p.put(name, rand(name.hashCode(), shape));
            }
        });
        INDArray x = rand(7, (long) batch * ctx, dModel);
        // the QKV kernel (training and evaluation), then the per-head path (what hooked runs use)
        try {
            for (boolean qkvKernel : new boolean[] {true, false}) {
                if (qkvKernel) {
                    TransformerTuning.fastPaths(true);
                } else {
                    TransformerTuning.perHeadKernelPath();
                }
                checkLayer(p, x, run -> new Attention(run, "blocks.0.attn", p, cfg, window), batch, ctx);
            }
        } finally {
            TransformerTuning.fastPaths(true);
        }
        if (window > 0) {
            Run run = new Run(batch, ctx, Map.of(), n -> true);
            new Attention(run, "blocks.0.attn", p, cfg, window).forward(x);
            INDArray pattern = run.cache.get("blocks.0.attn.hook_pattern");
            for (int q = 0; q < ctx; q++) {
                for (int k = 0; k < ctx; k++) {
                    boolean allowed = k <= q && q - k < window;
                    assertEquals(allowed, pattern.getDouble(1, 1, q, k) > 0, "query " + q + ", key " + k);
                }
            }
        }
    }

    @Test
    void mlpGeluNew() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("m.W_in", rand(8, 4, 6));
        p.put("m.b_in", rand(9, 6));
        p.put("m.W_out", rand(10, 6, 4));
        p.put("m.b_out", rand(11, 4));
        checkLayer(p, rand(12, 6, 4), run -> new Mlp(run, "m", p, Activation.GELU_NEW), 2, 3);
    }

    @Test
    void tiedAndUntiedUnembed() {
        Map<String, INDArray> tied = new LinkedHashMap<>();
        tied.put("embed.W_E", rand(13, 7, 4));
        tied.put("unembed.b_U", rand(14, 7));
        INDArray x = rand(15, 6, 4);
        checkLayer(tied, x, run -> new Unembed(run, tied.get("embed.W_E"), tied.get("unembed.b_U"), true), 2, 3);
        Map<String, INDArray> untied = new LinkedHashMap<>();
        untied.put("unembed.W_U", rand(16, 4, 7));
        untied.put("unembed.b_U", rand(17, 7));
        checkLayer(untied, x, run -> new Unembed(run, untied.get("unembed.W_U"), untied.get("unembed.b_U"), false),
                2, 3);
    }

    /** d(Σ layer(x) ⊙ R) against finite differences, for x and every parameter in {@code params}. */
    private static void checkLayer(Map<String, INDArray> params, INDArray x, Function<Run, Layer> make, int batch,
                                   int ctx) {
        Run run = new Run(batch, ctx, Map.of(), null);
        Layer layer = make.apply(run);
        INDArray out = layer.forward(x);
        INDArray upstream = rand(99, out.shape());
        INDArray dx = layer.backward(upstream);
        DoubleSupplier loss = () -> make.apply(new Run(batch, ctx, Map.of(), null)).forward(x).mul(upstream)
                .sumNumber().doubleValue();
        assertClose("input", numeric(x, loss), dx);
        params.forEach((name, p) -> assertClose(name, numeric(p, loss), run.grads.get(name)));
    }

    /**
     * Central differences for every entry of a small tensor; for a larger one, entries not sampled (30 fixed random
     * indices) are left 0 and {@link #assertClose} compares the sampled ones only.
     */
    private static INDArray numeric(INDArray p, DoubleSupplier loss) {
        INDArray flat = p.reshape(p.length());
        INDArray g = Nd4j.zeros(DataType.DOUBLE, p.length()).assign(Double.NaN);
        java.util.Random pick = new java.util.Random(p.length());
        int samples = (int) Math.min(p.length(), 30);
        for (int s = 0; s < samples; s++) {
            long i = p.length() <= 30 ? s : pick.nextInt((int) p.length());
            double orig = flat.getDouble(i);
            flat.putScalar(i, orig + EPS);
            double up = loss.getAsDouble();
            flat.putScalar(i, orig - EPS);
            double down = loss.getAsDouble();
            flat.putScalar(i, orig);
            g.putScalar(i, (up - down) / (2 * EPS));
        }
        return g.reshape(p.shape());
    }

    private static void assertClose(String what, INDArray numeric, INDArray analytic) {
        assertTrue(analytic != null, what + ": no gradient");
        INDArray sampled = numeric.reshape(numeric.length());
        INDArray all = analytic.reshape(analytic.length());
        double[] kept = java.util.stream.IntStream.range(0, (int) sampled.length())
                .filter(i -> !Double.isNaN(sampled.getDouble(i))).mapToDouble(all::getDouble).toArray();
        numeric = Nd4j.createFromArray(java.util.stream.IntStream.range(0, (int) sampled.length())
                .mapToDouble(sampled::getDouble).filter(v -> !Double.isNaN(v)).toArray());
        INDArray a = Nd4j.createFromArray(kept);
        double diff = numeric.sub(a).norm2Number().doubleValue();
        double norm = numeric.norm2Number().doubleValue() + a.norm2Number().doubleValue();
        if (what.endsWith("b_K")) {
            // softmax is shift-invariant and q·b_K shifts a query's scores uniformly: the gradient is exactly 0
            assertTrue(norm < 1e-7, what + " gradient should vanish, norm " + norm);
            return;
        }
        assertTrue(norm > 0, what + ": gradient is all zero");
        assertTrue(diff / norm < 1e-6, what + ": relative error " + diff / norm);
    }
}
