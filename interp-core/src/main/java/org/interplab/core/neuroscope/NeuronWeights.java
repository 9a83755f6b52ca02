package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Weights-only views of MLP neurons (TransformerLens names: {@code blocks.{l}.mlp.W_in} [d_model, d_mlp],
 * {@code W_out} [d_mlp, d_model], {@code unembed.W_U} [d_model, d_vocab], {@code ln_final.w}, {@code embed.W_E}).
 *
 * <p>Logit effect of neuron n: the direct path W_out[n] → ln_final → W_U, folded as TransformerLens's
 * {@code fold_ln=True, center_writing_weights=True, center_unembed=True} do: W_out[n] is centred over d_model (what
 * LayerNorm's centring does to anything written to the residual stream), multiplied elementwise by ln_final.w (the
 * scale folded into W_U), then times W_U, and the result centred over the vocabulary (logits are shift-invariant).
 * The input-dependent 1/σ of ln_final is not folded (it is a positive scalar per position, so the ranking of tokens
 * is what it is at any position).
 *
 * <p>Input tokens of neuron n: for each token t, LN1(W_E[t]) · W_in[:, n] + b_in[n] with ln1's full LayerNorm
 * (centre, divide by the standard deviation, ln1.w, ln1.b) — the neuron's pre-activation from the token's embedding
 * alone (no positional embedding, no attention), the direct path.
 */
public final class NeuronWeights {
    private NeuronWeights() {
    }

    public record TokenScore(int token, double value) {
    }

    /** Top and bottom tokens of one neuron's vector over the vocabulary; sharpness = (max − mean) / std. */
    public record TokenTable(List<TokenScore> top, List<TokenScore> bottom, double sharpness) {
    }

    public record Similar(int neuron, double cosine) {
    }

    /** Logit-effect tables of every neuron of a layer (computed in blocks of neurons, never all at once). */
    public static List<TokenTable> logitEffects(Map<String, INDArray> params, int layer, int k) {
        INDArray wOut = centredRows(params.get("blocks." + layer + ".mlp.W_out").castTo(DataType.FLOAT));
        INDArray lnw = params.get("ln_final.w");
        if (lnw != null) {
            wOut = wOut.mulRowVector(lnw.castTo(DataType.FLOAT).reshape(1, -1));
        }
        INDArray wU = params.get("unembed.W_U").castTo(DataType.FLOAT);
        List<TokenTable> out = new ArrayList<>();
        int block = 64;
        for (int a = 0; a < wOut.rows(); a += block) {
            int b = Math.min(wOut.rows(), a + block);
            float[] effects = wOut.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(a, b),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).mmul(wU).dup('c').data().asFloat();
            int vocab = (int) wU.columns();
            for (int i = 0; i < b - a; i++) {
                float[] row = Arrays.copyOfRange(effects, i * vocab, (i + 1) * vocab);
                out.add(table(row, k, true));
            }
        }
        return out;
    }

    /** Tokens whose embedding (through ln1) most excites neuron n, and those that most inhibit it. */
    public static TokenTable inputTokens(Map<String, INDArray> params, int layer, int neuron, int k) {
        INDArray wE = params.get("embed.W_E").castTo(DataType.FLOAT);
        String b = "blocks." + layer + ".";
        INDArray x = layerNorm(wE, params.get(b + "ln1.w"), params.get(b + "ln1.b"));
        INDArray col = params.get(b + "mlp.W_in").castTo(DataType.FLOAT).getColumn(neuron).reshape(-1, 1);
        float[] pre = x.mmul(col).dup('c').data().asFloat();
        INDArray bIn = params.get(b + "mlp.b_in");
        if (bIn != null) {
            float bias = bIn.getFloat(neuron);
            for (int i = 0; i < pre.length; i++) {
                pre[i] += bias;
            }
        }
        return table(pre, k, false);
    }

    /** LayerNorm over the last axis (ε = 1e-5); without weights (a model without LN) the input is returned. */
    static INDArray layerNorm(INDArray x, INDArray w, INDArray b) {
        return layerNorm(x, w, b, 1e-5);
    }

    /** LayerNorm over the last axis with the model's ε; without weights (a model without LN) the input is returned. */
    public static INDArray layerNorm(INDArray x, INDArray w, INDArray b, double eps) {
        if (w == null) {
            return x;
        }
        INDArray centred = x.subColumnVector(x.mean(1).reshape(-1, 1));
        INDArray std = org.nd4j.linalg.ops.transforms.Transforms.sqrt(
                centred.mul(centred).mean(1).addi(eps)).reshape(-1, 1);
        INDArray y = centred.divColumnVector(std).mulRowVector(w.castTo(DataType.FLOAT).reshape(1, -1));
        return b == null ? y : y.addRowVector(b.castTo(DataType.FLOAT).reshape(1, -1));
    }

    /**
     * Neurons most similar to {@code neuron} by cosine of their unit vectors ({@link #neuronVectors}: W_out rows or
     * W_in columns), highest first, itself excluded.
     */
    public static List<Similar> similar(float[][] units, int neuron, int k) {
        float[] v = new float[units.length];
        for (int m = 0; m < units.length; m++) {
            v[m] = m == neuron ? Float.NEGATIVE_INFINITY : (float) dot(units[neuron], units[m]);
        }
        List<Similar> out = new ArrayList<>();
        for (int m : TopK.indices(v, Math.min(k, units.length - 1))) {
            out.add(new Similar(m, v[m]));
        }
        return out;
    }

    /** Unit vectors per neuron: W_out rows or W_in columns. */
    public static float[][] neuronVectors(Map<String, INDArray> params, int layer, String which) {
        INDArray w = params.get("blocks." + layer + ".mlp." + which);
        if (w == null || !("W_out".equals(which) || "W_in".equals(which))) {
            throw new IllegalArgumentException("no blocks." + layer + ".mlp." + which);
        }
        INDArray rows = ("W_in".equals(which) ? w.transpose() : w).castTo(DataType.FLOAT).dup('c');
        int n = (int) rows.rows(), d = (int) rows.columns();
        float[] flat = rows.data().asFloat();
        float[][] out = new float[n][];
        for (int i = 0; i < n; i++) {
            out[i] = unit(Arrays.copyOfRange(flat, i * d, (i + 1) * d));
        }
        return out;
    }

    static INDArray centredRows(INDArray w) {
        return w.subColumnVector(w.mean(1).reshape(-1, 1));
    }

    static float[] unit(float[] v) {
        double norm = Math.sqrt(dot(v, v));
        float[] u = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            u[i] = norm == 0 ? 0 : (float) (v[i] / norm);
        }
        return u;
    }

    static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** Top-k and bottom-k entries of a vector over tokens (optionally centred first), with its sharpness. */
    static TokenTable table(float[] v, int k, boolean centre) {
        double mean = 0;
        for (float x : v) {
            mean += x;
        }
        mean /= v.length;
        double var = 0;
        for (float x : v) {
            var += (x - mean) * (x - mean);
        }
        double std = Math.sqrt(var / v.length);
        double shift = centre ? mean : 0;
        List<TokenScore> top = new ArrayList<>(), bottom = new ArrayList<>();
        for (int i : TopK.indices(v, k)) {
            top.add(new TokenScore(i, v[i] - shift));
        }
        for (int i : TopK.lowest(v, k)) {
            bottom.add(new TokenScore(i, v[i] - shift));
        }
        double max = v.length == 0 ? 0 : v[top.get(0).token()];
        return new TokenTable(top, bottom, std == 0 ? 0 : (max - mean) / std);
    }

    // ---- seed 001 §2: neuron × neuron cosine structure ----

    /**
     * The cosine matrix of the neurons' vectors, reordered along a greedy path (start at the neuron with the largest
     * summed squared cosine to the others; repeatedly step to the unvisited neuron with the largest squared cosine to
     * the current one), with the mean adjacent squared cosine along the path, beside the same statistic for a random
     * Gaussian matrix of the same shape (seeded). Structure shows as real ≫ random.
     */
    public record CosineStructure(int[] order, double pathMeanSqCos, double randomPathMeanSqCos,
                                  double meanSqCos, double randomMeanSqCos, float[][] pooled, int poolSize) {
    }

    public static CosineStructure cosineStructure(float[][] units, int maxPooled, long seed) {
        Path real = greedyPath(units);
        Rng rng = new Rng(seed);
        float[][] random = new float[units.length][units.length == 0 ? 0 : units[0].length];
        for (float[] row : random) {
            for (int j = 0; j < row.length; j++) {
                row[j] = (float) rng.nextGaussian();
            }
        }
        for (int i = 0; i < random.length; i++) {
            random[i] = unit(random[i]);
        }
        Path rand = greedyPath(random);
        int n = units.length, pool = Math.max(1, (n + maxPooled - 1) / maxPooled), m = (n + pool - 1) / pool;
        float[][] pooled = new float[m][m];
        int[][] counts = new int[m][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                pooled[i / pool][j / pool] += (float) dot(units[real.order[i]], units[real.order[j]]);
                counts[i / pool][j / pool]++;
            }
        }
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                pooled[i][j] /= counts[i][j];
            }
        }
        return new CosineStructure(real.order, real.meanAdjacent, rand.meanAdjacent, real.meanSq, rand.meanSq,
                pooled, pool);
    }

    record Path(int[] order, double meanAdjacent, double meanSq) {
    }

    static Path greedyPath(float[][] v) {
        int n = v.length;
        if (n == 0) {
            return new Path(new int[0], 0, 0);
        }
        double[][] sq = new double[n][n];
        double total = 0;
        int start = 0;
        double bestRow = -1;
        for (int i = 0; i < n; i++) {
            double row = 0;
            for (int j = 0; j < n; j++) {
                double c = dot(v[i], v[j]);
                sq[i][j] = c * c;
                if (i != j) {
                    row += c * c;
                }
            }
            total += row;
            if (row > bestRow) {
                bestRow = row;
                start = i;
            }
        }
        int[] order = new int[n];
        boolean[] used = new boolean[n];
        order[0] = start;
        used[start] = true;
        double sum = 0;
        for (int p = 1; p < n; p++) {
            int cur = order[p - 1], next = -1;
            for (int j = 0; j < n; j++) {
                if (!used[j] && (next < 0 || sq[cur][j] > sq[cur][next])) {
                    next = j;
                }
            }
            sum += sq[cur][next];
            order[p] = next;
            used[next] = true;
        }
        return new Path(order, n > 1 ? sum / (n - 1) : 0, n > 1 ? total / ((double) n * (n - 1)) : 0);
    }
}
