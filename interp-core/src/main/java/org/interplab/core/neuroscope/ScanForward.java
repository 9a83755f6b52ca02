package org.interplab.core.neuroscope;

import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import org.interplab.core.model.Activation;
import org.interplab.core.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.interplab.core.model.kernels.FastExp;
import org.interplab.core.model.kernels.FastTanh;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scan's own forward pass up to the last layer's {@code mlp.hook_post}, built from a model's weights: the
 * sequences of a batch are packed back to back into one [Σ len, d_model] matrix (no padding to the longest, whose
 * rows the model's padded batch would compute and throw away), the big products are single ND4J SGEMMs over all of
 * them, and the rest (embedding sum, LayerNorm, biases, the residual stream, causal attention per sequence and head)
 * runs in float on the Java heap. The MLP's activation is the model's own {@link Activation} on the ND4J array.
 * Each layer's hook_post comes out transposed, [d_mlp, Σ len] (c order): every neuron's activations over the batch are
 * one contiguous row, which is what {@link LayerScan} reads; the product W_inᵀ·xᵀ gives that layout directly.
 *
 * <p>Only for the CPU backend ({@link #supports}): the Java parts read and write the arrays' host memory. Elsewhere
 * {@link NeuronScanner} keeps the model's ordinary forward.
 */
final class ScanForward {
    private final Transformer.Config cfg;
    private final Activation act;
    private final INDArray wE;
    private final INDArray wPos;
    private final Layer[] layers;
    private final float scale;
    private final float[][] posts;         // the returned hook_posts, per layer [d_mlp, n]
    private float[] x = new float[0];      // residual stream [n, d_model]
    private float[] h = new float[0];      // LayerNorm output / GEMM input [n, d_model]
    private float[] qkv = new float[0];    // [n, 3·head·d_head]
    private float[] z = new float[0];      // [n, head·d_head]
    private float[] kT = new float[0];     // one head's keys of one sequence, transposed [d_head, len]
    private float[] vs = new float[0];     // one head's values of one sequence [len, d_head]
    private float[] headMajor = new float[0]; // q (scaled), k, v of one sequence, [3][head][len][d_head]
    private float[] scores = new float[0];
    private float[] shifts = new float[0]; // FastExp's shifts for a softmax: each score row's maximum
    private float[] tmp = new float[0];    // FastExp's scratch
    private float[] allowed = new float[0]; // a softmax's unmasked scores, row after row

    /** One block's weights in the layouts the pass uses (FLOAT, c order, off the step workspace). */
    private record Layer(float[] ln1w, float[] ln1b, INDArray wQkv, float[] bQkv, INDArray wO, float[] bO,
                         float[] ln2w, float[] ln2b, INDArray wIn, INDArray bIn, float[] bInRow, INDArray wOut,
                         float[] bOut) {
    }

    /** Whether the pass can run here: the CPU backend (host memory) and a model with an MLP. */
    static boolean supports(Transformer model) {
        return Nd4j.getEnvironment().isCPU() && !model.config().attnOnly() && model.config().dMlp() > 0;
    }

    ScanForward(Transformer model) {
        cfg = model.config();
        act = cfg.act();
        Map<String, INDArray> p = model.params();
        scale = cfg.useAttnScale() ? (float) (1.0 / Math.sqrt(cfg.dHead())) : 1f;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            wE = p.get("embed.W_E");
            wPos = p.get("pos_embed.W_pos");
            layers = new Layer[cfg.nLayers()];
            posts = new float[cfg.nLayers()][0];
            int d = cfg.dModel(), hd = cfg.nHeads() * cfg.dHead();
            for (int l = 0; l < cfg.nLayers(); l++) {
                String b = "blocks." + l + ".";
                INDArray wQkv = Nd4j.concat(1, headColumns(p.get(b + "attn.W_Q")), headColumns(p.get(b + "attn.W_K")),
                        headColumns(p.get(b + "attn.W_V")));
                float[] bQkv = new float[3 * hd];
                System.arraycopy(floats(p.get(b + "attn.b_Q")), 0, bQkv, 0, hd);
                System.arraycopy(floats(p.get(b + "attn.b_K")), 0, bQkv, hd, hd);
                System.arraycopy(floats(p.get(b + "attn.b_V")), 0, bQkv, 2 * hd, hd);
                layers[l] = new Layer(lnPart(p, b + "ln1.w"), lnPart(p, b + "ln1.b"), asFloat(wQkv), bQkv,
                        asFloat(p.get(b + "attn.W_O").reshape(hd, d)), floats(p.get(b + "attn.b_O")),
                        lnPart(p, b + "ln2.w"), lnPart(p, b + "ln2.b"), asFloat(p.get(b + "mlp.W_in")),
                        asFloat(p.get(b + "mlp.b_in")).reshape(cfg.dMlp(), 1), floats(p.get(b + "mlp.b_in")),
                        asFloat(p.get(b + "mlp.W_out")),
                        floats(p.get(b + "mlp.b_out")));
            }
        }
    }

    private float[] lnPart(Map<String, INDArray> p, String name) {
        return cfg.layerNorm() ? floats(p.get(name)) : null;
    }

    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }

    /**
     * The array as FLOAT in c order: the array itself when it already is that (the pass only reads it, as it reads
     * W_E), else a copy. A model in float keeps its W_in and W_out so, and a fresh concatenation is so: copying them
     * anyway cost ≈ 4 % of a 3 179-token scan at the 21M shape (32 MB per layer for W_in and W_out alone).
     */
    private static INDArray asFloat(INDArray a) {
        if (a.dataType() == DataType.FLOAT && a.ordering() == 'c' && a.offset() == 0
                && Shape.hasDefaultStridesForShape(a)) {
            return a;
        }
        return a.castTo(DataType.FLOAT).dup('c');
    }

    /** [n_heads, d_model, d_head] → [d_model, n_heads·d_head], column h·d_head + j (as the model's QKV GEMM). */
    private static INDArray headColumns(INDArray w) {
        return w.permute(1, 0, 2).dup('c').reshape(w.size(1), w.size(0) * w.size(2));
    }

    /**
     * Every layer's hook_post for the sequences {@code seqs} (each read from position 0, at most n_ctx tokens),
     * packed: sequence i holds rows [start_i, start_i + len_i) with start_i = Σ_{j<i} len_j. Returns per layer
     * [d_mlp, Σ len] in c order: the activation of neuron n at row r is {@code out[l][n · rows + r]}. The arrays are
     * this instance's buffers (at least that long), reused by the next call: a batch's are tens of MB at the 21M shape,
     * which fresh would be humongous allocations for G1 every batch. Runs in the model's step workspace.
     */
    float[][] hookPostsT(int[][] seqs) {
        int n = 0;
        for (int[] s : seqs) {
            if (s.length > cfg.nCtx()) {
                throw new IllegalArgumentException("a sequence of " + s.length + " tokens exceeds n_ctx " + cfg.nCtx());
            }
            n += s.length;
        }
        int rows = n;
        return Transformer.inStepWorkspace(() -> forward(seqs, rows));
    }

    private float[][] forward(int[][] seqs, int n) {
        int d = cfg.dModel(), hd = cfg.nHeads() * cfg.dHead(), dMlp = cfg.dMlp();
        x = grow(x, n * d);
        h = grow(h, n * d);
        qkv = grow(qkv, n * 3 * hd);
        z = grow(z, n * hd);
        embed(seqs, n);
        float[][] out = posts;
        INDArray hArr = Nd4j.createUninitialized(DataType.FLOAT, n, d);
        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            layerNorm(w.ln1w, w.ln1b, n);
            put(hArr, h, n * d);
            get(Nd4j.gemm(hArr, w.wQkv, Nd4j.createUninitialized(DataType.FLOAT, n, 3 * hd), false, false, 1, 0),
                    qkv, n * 3 * hd);
            addRows(qkv, w.bQkv, n, 3 * hd);
            attention(seqs, l);
            INDArray zArr = Nd4j.createUninitialized(DataType.FLOAT, n, hd);
            put(zArr, z, n * hd);
            get(Nd4j.gemm(zArr, w.wO, Nd4j.createUninitialized(DataType.FLOAT, n, d), false, false, 1, 0), h, n * d);
            addResidual(h, w.bO, n, d);
            layerNorm(w.ln2w, w.ln2b, n);
            put(hArr, h, n * d);
            // preᵀ = W_inᵀ·hᵀ + b_in (as a column), [d_mlp, n]: each neuron's activations one contiguous row
            INDArray preT = Nd4j.gemm(w.wIn, hArr, Nd4j.createUninitialized(DataType.FLOAT, dMlp, n), true, true, 1, 0);
            out[l] = grow(out[l], n * dMlp);
            INDArray postT = activation(preT, w, out[l], n, l + 1 < layers.length);
            if (l + 1 < layers.length) {
                get(Nd4j.gemm(postT, w.wOut, Nd4j.createUninitialized(DataType.FLOAT, n, d), true, false, 1, 0),
                        h, n * d);
                addResidual(h, w.bOut, n, d);
            }
        }
        return out;
    }

    /**
     * post = act(pre + b_in) on preᵀ [d_mlp, n], into {@code out} (c order), and (when {@code asArray}: W_out needs
     * it) as the returned array.
     * gelu_new, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) as in {@link Activation}, runs on the Java heap in one
     * pass that C2 vectorises, its tanh {@link FastTanh}'s rational function (absolute error &lt; 4e-7; ND4J's tanh
     * cost ≈ 15 ns per element here, the model's form is nine ND4J ops, and a tanh from {@link FastExp} in five
     * passes 2.2–2.5 ns against 0.5–0.6); the other activations are the model's own.
     */
    private INDArray activation(INDArray preT, Layer w, float[] out, int n, boolean asArray) {
        int dMlp = cfg.dMlp(), count = dMlp * n;
        if (act != Activation.GELU_NEW) {
            INDArray postT = act.apply(preT.addiColumnVector(w.bIn()));
            get(postT, out, count);
            return postT;
        }
        get(preT, out, count);
        float c = (float) Math.sqrt(2 / Math.PI);
        for (int r = 0; r < dMlp; r++) { // one neuron's n activations
            float b = w.bInRow()[r];
            int o = r * n;
            for (int i = 0; i < n; i++) {
                float x = out[o + i] + b;
                out[o + i] = 0.5f * x * (1 + FastTanh.tanh(c * (x + 0.044715f * x * x * x)));
            }
        }
        if (asArray) {
            put(preT, out, count);
        }
        return preT;
    }

    /** x[r] = W_E[token] + W_pos[position in its sequence]. */
    private void embed(int[][] seqs, int n) {
        int d = cfg.dModel();
        int[] tok = new int[n], pos = new int[n];
        int r = 0;
        for (int[] s : seqs) {
            for (int t = 0; t < s.length; t++, r++) {
                tok[r] = s[t];
                pos[r] = t;
            }
        }
        INDArray sum = Nd4j.pullRows(wE, 1, tok).castTo(DataType.FLOAT).addi(
                Nd4j.pullRows(wPos, 1, pos).castTo(DataType.FLOAT));
        get(sum.dup('c'), x, n * d);
    }

    /** h = LN(x) per row (TransformerLens: (x − mean)/√(var + eps)·w + b, biased variance), or h = x without LN. */
    private void layerNorm(float[] w, float[] b, int n) {
        int d = cfg.dModel();
        if (w == null) {
            System.arraycopy(x, 0, h, 0, n * d);
            return;
        }
        for (int r = 0; r < n; r++) {
            int o = r * d;
            double mean = sum(x, o, d, 0, false) / d;
            double var = sum(x, o, d, mean, true);
            float inv = (float) (1 / Math.sqrt(var / d + cfg.lnEps()));
            float m = (float) mean;
            for (int i = 0; i < d; i++) {
                h[o + i] = (x[o + i] - m) * inv * w[i] + b[i];
            }
        }
    }

    /**
     * Σ (a[o + i] − c)² over i &lt; d when {@code squares} (the variance's sum about the mean c), else
     * Σ (a[o + i] − c): in double, over four interleaved partial sums. One running sum is a chain of dependent
     * additions (four cycles each, not vectorised: Java keeps the order of floating-point sums), ≈ 1.2 µs per row and
     * pass at d_model 1024; four chains overlap. The float LayerNorm computed from these sums came out bit-identical
     * on ScanDigestTest's model (the difference is in double's last bits, below float's rounding).
     */
    private static double sum(float[] a, int o, int d, double c, boolean squares) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < d; i += 4) {
            double v0 = a[o + i] - c, v1 = a[o + i + 1] - c, v2 = a[o + i + 2] - c, v3 = a[o + i + 3] - c;
            s0 += squares ? v0 * v0 : v0;
            s1 += squares ? v1 * v1 : v1;
            s2 += squares ? v2 * v2 : v2;
            s3 += squares ? v3 * v3 : v3;
        }
        for (; i < d; i++) {
            double v = a[o + i] - c;
            s0 += squares ? v * v : v;
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** x += y + bias (per row). */
    private void addResidual(float[] y, float[] bias, int n, int d) {
        for (int r = 0; r < n; r++) {
            int o = r * d;
            for (int i = 0; i < d; i++) {
                x[o + i] += y[o + i] + bias[i];
            }
        }
    }

    private static void addRows(float[] a, float[] bias, int n, int w) {
        for (int r = 0; r < n; r++) {
            int o = r * w;
            for (int i = 0; i < w; i++) {
                a[o + i] += bias[i];
            }
        }
    }

    /**
     * From this d_head on, a sequence's attention runs as ND4J batched matmuls over its heads (scores and pattern·v:
     * 2·head·len²·d_head FLOPs each, the upper triangle computed and masked); below it, as plain Java loops, whose
     * per-sequence cost has no per-op overhead. Mutable for the tests, which run both paths.
     */
    static int nd4jAttentionMinDHead = 32;

    /** z = causal softmax attention of each sequence and head on {@code qkv} (see {@link #attentionJava}). */
    private void attention(int[][] seqs, int layer) {
        if (cfg.dHead() >= nd4jAttentionMinDHead) {
            attentionNd4j(seqs, layer);
        } else {
            attentionJava(seqs, layer);
        }
    }

    /**
     * The attention of {@link #attentionJava} with the two products as ND4J batched matmuls per sequence, [head, len,
     * d_head]·[head, len, d_head]ᵀ and [head, len, len]·[head, len, d_head]; the causal (and window) mask and the
     * softmax run on the Java heap between them.
     */
    private void attentionNd4j(int[][] seqs, int layer) {
        int heads = cfg.nHeads(), dh = cfg.dHead(), hd = heads * dh, stride = 3 * hd;
        int window = cfg.windowOf(layer);
        int start = 0;
        for (int[] s : seqs) {
            int len = s.length, block = heads * len * dh;
            headMajor = grow(headMajor, 3 * block);
            scores = grow(scores, heads * len * len);
            float[] hm = headMajor;
            for (int i = 0; i < len; i++) {
                int row = (start + i) * stride;
                for (int m = 0; m < 3; m++) {
                    float f = m == 0 ? scale : 1f;
                    for (int hh = 0; hh < heads; hh++) {
                        int src = row + m * hd + hh * dh, dst = m * block + (hh * len + i) * dh;
                        for (int e = 0; e < dh; e++) {
                            hm[dst + e] = qkv[src + e] * f;
                        }
                    }
                }
            }
            INDArray qkvH = Nd4j.createUninitialized(DataType.FLOAT, 3, heads, len, dh);
            put(qkvH, hm, 3 * block);
            INDArray sc = Nd4j.matmul(qkvH.slice(0), qkvH.slice(1),
                    Nd4j.createUninitialized(DataType.FLOAT, heads, len, len), false, true, false);
            float[] p = scores;
            get(sc, p, heads * len * len);
            softmaxRows(p, heads * len, len, window, 0);
            put(sc, p, heads * len * len);
            INDArray zh = Nd4j.matmul(sc, qkvH.slice(2), Nd4j.createUninitialized(DataType.FLOAT, heads, len, dh),
                    false, false, false);
            get(zh, hm, block);
            for (int hh = 0; hh < heads; hh++) {
                for (int i = 0; i < len; i++) {
                    System.arraycopy(hm, (hh * len + i) * dh, z, (start + i) * hd + hh * dh, dh);
                }
            }
            start += len;
        }
    }

    /**
     * The causal softmax of every row of a block of score rows: {@code rows} rows of {@code len} keys, row r being
     * query (q0 + r) mod len (q0 = 0: rows of one head after another; one row of query i: q0 = i, len = i + 1); keys lo..i are allowed (lo = 0, or i − window + 1), the others
     * set to 0. One {@link FastExp} pass over the allowed scores of the whole block, packed, each shifted by its
     * row's maximum.
     */
    private void softmaxRows(float[] p, int rows, int len, int window, int q0) {
        int count = 0;
        for (int r = 0; r < rows; r++) {
            int i = (q0 + r) % len, lo = window > 0 ? Math.max(0, i - window + 1) : 0;
            count += i - lo + 1;
        }
        shifts = grow(shifts, count);
        tmp = grow(tmp, count);
        allowed = grow(allowed, count);
        float[] shift = shifts, e = allowed;
        // the allowed scores of every row back to back (about half of the block under a causal mask), each with
        // its row's maximum: one FastExp pass over them only
        for (int r = 0, k = 0; r < rows; r++) {
            int i = (q0 + r) % len, o = r * len, lo = window > 0 ? Math.max(0, i - window + 1) : 0, n = i - lo + 1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = lo; j <= i; j++) {
                max = Math.max(max, p[o + j]);
            }
            System.arraycopy(p, o + lo, e, k, n);
            Arrays.fill(shift, k, k + n, max);
            k += n;
        }
        FastExp.expShifted(e, shift, e, tmp, count);
        for (int r = 0, k = 0; r < rows; r++) {
            int i = (q0 + r) % len, o = r * len, lo = window > 0 ? Math.max(0, i - window + 1) : 0, n = i - lo + 1;
            float sum = 0;
            for (int j = 0; j < n; j++) {
                sum += e[k + j];
            }
            float inv = 1 / sum;
            for (int j = 0; j < n; j++) {
                p[o + lo + j] = e[k + j] * inv;
            }
            Arrays.fill(p, o, o + lo, 0f);
            Arrays.fill(p, o + i + 1, o + len, 0f);
            k += n;
        }
    }

    /**
     * z = causal softmax attention of each sequence and head on {@code qkv}, in plain Java loops (row r: q of every head, then k, then v):
     * query i attends keys j ≤ i (and i − j &lt; window for a local layer), scores scaled by 1/√d_head when the
     * model uses the attention scale. Keys are transposed per sequence and head so that a query's scores are axpys
     * over the keys, and z a sum of value rows: both inner loops contiguous.
     */
    private void attentionJava(int[][] seqs, int layer) {
        int heads = cfg.nHeads(), dh = cfg.dHead(), hd = heads * dh, stride = 3 * hd;
        int window = cfg.windowOf(layer);
        int start = 0;
        for (int[] s : seqs) {
            int len = s.length;
            kT = grow(kT, dh * len);
            vs = grow(vs, len * dh);
            scores = grow(scores, len);
            for (int hh = 0; hh < heads; hh++) {
                for (int j = 0; j < len; j++) {
                    int row = (start + j) * stride + hh * dh;
                    for (int e = 0; e < dh; e++) {
                        kT[e * len + j] = qkv[row + hd + e];
                    }
                    System.arraycopy(qkv, row + 2 * hd, vs, j * dh, dh);
                }
                for (int i = 0; i < len; i++) {
                    int lo = window > 0 ? Math.max(0, i - window + 1) : 0;
                    int qRow = (start + i) * stride + hh * dh;
                    float[] sc = scores;
                    for (int j = lo; j <= i; j++) {
                        sc[j] = 0;
                    }
                    for (int e = 0; e < dh; e++) {
                        float qe = qkv[qRow + e] * scale;
                        int k0 = e * len;
                        for (int j = lo; j <= i; j++) {
                            sc[j] += qe * kT[k0 + j];
                        }
                    }
                    softmaxRows(sc, 1, i + 1, window, i);
                    int zRow = (start + i) * hd + hh * dh;
                    for (int e = 0; e < dh; e++) {
                        z[zRow + e] = 0;
                    }
                    for (int j = lo; j <= i; j++) {
                        float pj = sc[j];
                        int v0 = j * dh;
                        for (int e = 0; e < dh; e++) {
                            z[zRow + e] += pj * vs[v0 + e];
                        }
                    }
                }
            }
            start += len;
        }
    }

    private static float[] grow(float[] a, int n) {
        return a.length >= n ? a : new float[n];
    }

    /** The first {@code count} elements of a c-order FLOAT array (host memory) into {@code dst}. */
    private static void get(INDArray a, float[] dst, int count) {
        FloatBuffer b = a.data().asNioFloat();
        b.get(Math.toIntExact(a.offset()), dst, 0, count);
    }

    /** The first {@code count} elements of a c-order FLOAT array (host memory) from {@code src}. */
    private static void put(INDArray a, float[] src, int count) {
        FloatBuffer b = a.data().asNioFloat();
        b.put(Math.toIntExact(a.offset()), src, 0, count);
    }
}
