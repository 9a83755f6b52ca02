package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused cross-entropy pass ({@link CrossEntropy}) against a plain loop with {@link Math#exp} in double: loss,
 * d loss / d logits and its column sums (the unembedding bias gradient), FLOAT and DOUBLE storage, in place and
 * not, one part and rows split over two threads; and the LM's loss and gradients unchanged against the op-by-op
 * ND4J version it replaced.
 */
class FusedCrossEntropyTest {
    /** loss, then dLogits row-major, then column sums, from a plain loop in double. */
    private static double[] reference(double[][] l, int[] target) {
        int n = l.length, v = l[0].length, count = 0;
        for (int y : target) {
            count += y == TokenBatch.NO_LOSS ? 0 : 1;
        }
        double[] out = new double[1 + n * v + v];
        for (int r = 0; r < n; r++) {
            if (target[r] == TokenBatch.NO_LOSS) {
                continue;
            }
            double z = 0;
            for (double x : l[r]) {
                z += Math.exp(x);
            }
            out[0] -= (l[r][target[r]] - Math.log(z)) / count;
            for (int j = 0; j < v; j++) {
                double g = (Math.exp(l[r][j]) / z - (j == target[r] ? 1 : 0)) / count;
                out[1 + r * v + j] = g;
                out[1 + n * v + j] += g;
            }
        }
        return out;
    }

    private static void check(DataType type, int batch, int ctx, int vocab, boolean overwrite, int threads,
                              double tol) {
        Rng rng = new Rng(7 + vocab);
        int n = batch * ctx;
        double[][] l = new double[n][vocab];
        for (double[] row : l) {
            for (int j = 0; j < vocab; j++) {
                row[j] = 8 * rng.nextDouble() - 4;
            }
        }
        int[][] targets = new int[batch][ctx];
        int[] flat = new int[n];
        for (int r = 0; r < n; r++) {
            flat[r] = r % 5 == 3 ? TokenBatch.NO_LOSS : rng.nextInt(vocab);
            targets[r / ctx][r % ctx] = flat[r];
        }
        INDArray logits = Nd4j.create(l).castTo(type);
        double[][] stored = logits.toDoubleMatrix(); // the reference sees the values as stored (float rounding)
        double[] ref = reference(stored, flat);
        int saved = KernelThreads.get();
        KernelThreads.set(threads);
        try {
            CrossEntropy.Result lossOnly = CrossEntropy.of(logits, targets, false);
            CrossEntropy.Result ce = CrossEntropy.of(logits, targets, true, overwrite);
            String what = type + " vocab " + vocab + " overwrite " + overwrite + " threads " + threads;
            assertEquals(ref[0], lossOnly.loss(), tol * Math.abs(ref[0]), what);
            assertEquals(ref[0], ce.loss(), tol * Math.abs(ref[0]), what);
            if (overwrite) {
                assertSame(logits, ce.dLogits(), "in place");
            } else {
                assertEquals(stored[n - 1][vocab - 1], logits.getDouble(n - 1, vocab - 1), 0.0, "logits intact");
            }
            assertEquals(type, ce.dLogits().dataType());
            double[] g = ce.dLogits().dup('c').data().asDouble();
            double[] bias = ce.dBias().data().asDouble();
            // gradients are O(1/count): compare relative to the largest
            double scale = 1.0 / (n - n / 5);
            for (int k = 0; k < n * vocab; k++) {
                assertEquals(ref[1 + k], g[k], tol * scale, what + " dLogits[" + k + "]");
            }
            for (int j = 0; j < vocab; j++) {
                assertEquals(ref[1 + n * vocab + j], bias[j], tol * scale * n, what + " dBias[" + j + "]");
            }
        } finally {
            KernelThreads.set(saved);
        }
    }

    @Test
    void floatAgainstPlainLoop() {
        for (boolean overwrite : new boolean[] {false, true}) {
            check(DataType.FLOAT, 3, 5, 37, overwrite, 1, 1e-6);
            check(DataType.FLOAT, 2, 3, 2500, overwrite, 1, 1e-6); // a vocabulary over the e^x chunk of 1 024
        }
    }

    @Test
    void doubleAgainstPlainLoop() {
        for (boolean overwrite : new boolean[] {false, true}) {
            check(DataType.DOUBLE, 3, 5, 37, overwrite, 1, 1e-12);
            check(DataType.DOUBLE, 2, 3, 2500, overwrite, 1, 1e-12);
        }
    }

    /** Above 2^20 logits the rows are split over the kernel threads, each with its own column sums. */
    @Test
    void rowsSplitOverThreadsAgree() {
        check(DataType.FLOAT, 4, 10, 30011, true, 2, 1e-6);
        check(DataType.DOUBLE, 4, 10, 30011, false, 3, 1e-12);
    }

    /**
     * A tiny untied GPT-Neo-style LM in DOUBLE: loss and every gradient equal what the op-by-op ND4J cross-entropy
     * (max, subtract, exp, sum, scale; bias gradient as a GEMV) gave before the fused pass replaced it, recorded
     * at commit 820adb1 as Σ_k g[k]·sin(k + 1) per parameter.
     */
    @Test
    void lmLossAndGradientsUnchanged() {
        DataType saved = Nd4j.defaultFloatingPointType();
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
        try {
            Transformer.Config cfg = new Transformer.Config(1, 2, 3, 6, 6, 11, 11, 8, false, true, false,
                    Activation.GELU_NEW, List.of("global"), 0, 1e-5, false);
            Transformer model = new Transformer(cfg, Transformer.init(cfg, 3));
            int[][] tokens = {{1, 5, 2, 9, 0, 3}, {4, 4, 10, 7, 6, 8}};
            int[][] targets = {{5, 2, 9, 0, 3, TokenBatch.NO_LOSS}, {4, 10, 7, 6, 8, 1}};
            TokenBatch batch = new TokenBatch(tokens, targets);
            Map<String, Double> before = new LinkedHashMap<>();
            before.put("embed.W_E", -0.96416065702353560);
            before.put("pos_embed.W_pos", 0.17532585923183636);
            before.put("blocks.0.ln1.w", -0.15362184829954614);
            before.put("blocks.0.ln1.b", -0.094529672731815280);
            before.put("blocks.0.attn.W_Q", -0.067745344071210910);
            before.put("blocks.0.attn.W_K", 0.20053938712627230);
            before.put("blocks.0.attn.W_V", -0.10555240145777530);
            before.put("blocks.0.attn.W_O", -0.21372762050517520);
            before.put("blocks.0.attn.b_Q", 0.070457472780604940);
            before.put("blocks.0.attn.b_K", 0.0); // exactly 0 in exact arithmetic (q·b_K is constant per row)
            before.put("blocks.0.attn.b_V", -0.38721659284750670);
            before.put("blocks.0.attn.b_O", 0.31841271541912775);
            before.put("blocks.0.ln2.w", 0.12388219431741332);
            before.put("blocks.0.ln2.b", 0.0025554287544196850);
            before.put("blocks.0.mlp.W_in", 0.75545178535390500);
            before.put("blocks.0.mlp.b_in", 0.027483021882462980);
            before.put("blocks.0.mlp.W_out", 0.69231531663736110);
            before.put("blocks.0.mlp.b_out", 0.065116460925390360);
            before.put("ln_final.w", -0.25791520307850220);
            before.put("ln_final.b", 0.18669015120530558);
            before.put("unembed.W_U", 0.91367773159231590);
            before.put("unembed.b_U", -0.18349572544209522);
            double lossBefore = 2.5515228507696840;
            Transformer.Output out = model.lossAndGradients(batch);
            assertEquals(lossBefore, out.loss(), 1e-12);
            assertEquals(lossBefore, model.loss(batch).loss(), 1e-12);
            assertEquals(before.keySet(), out.grads().keySet());
            for (var e : before.entrySet()) {
                double[] g = out.grads().get(e.getKey()).dup('c').data().asDouble();
                double s = 0;
                for (int k = 0; k < g.length; k++) {
                    s += g[k] * Math.sin(k + 1);
                }
                assertEquals(e.getValue(), s, 1e-12, e.getKey());
            }
            assertTrue(out.grads().get("unembed.b_U").dataType() == DataType.DOUBLE);
        } finally {
            Nd4j.setDefaultDataTypes(saved, saved);
        }
    }
}
