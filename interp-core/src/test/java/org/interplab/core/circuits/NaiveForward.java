package org.interplab.core.circuits;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A deliberately plain, loop-by-loop 1-layer attention-only transformer (no LayerNorm, causal), used only to check
 * the circuit code and the reference constructions against what the model actually computes.
 */
final class NaiveForward {
    private NaiveForward() {
    }

    static double[] residual(Map<String, INDArray> w, int token, int position) {
        double[] e = w.get("embed.W_E").getRow(token).toDoubleVector();
        double[] p = w.get("pos_embed.W_pos").getRow(position).toDoubleVector();
        for (int i = 0; i < e.length; i++) {
            e[i] += p[i];
        }
        return e;
    }

    /** x W[h] + b[h] for W [n_heads, d_model, d_head]. */
    static double[] project(Map<String, INDArray> w, String name, String bias, int head, double[] x) {
        INDArray m = w.get("blocks.0.attn." + name);
        int dHead = (int) m.size(2);
        double[] out = new double[dHead];
        for (int j = 0; j < dHead; j++) {
            for (int i = 0; i < x.length; i++) {
                out[j] += x[i] * m.getDouble(head, i, j);
            }
            INDArray b = w.get("blocks.0.attn." + bias);
            out[j] += b == null ? 0 : b.getDouble(head, j);
        }
        return out;
    }

    static double score(Map<String, INDArray> w, int head, double scale, double[] query, double[] key) {
        double[] q = project(w, "W_Q", "b_Q", head, query);
        double[] k = project(w, "W_K", "b_K", head, key);
        double s = 0;
        for (int j = 0; j < q.length; j++) {
            s += q[j] * k[j];
        }
        return s * scale;
    }

    /** Logits at the last position of {@code tokens}. */
    static double[] logits(Map<String, INDArray> w, int nHeads, double scale, int[] tokens) {
        int last = tokens.length - 1;
        double[][] x = new double[tokens.length][];
        for (int p = 0; p < tokens.length; p++) {
            x[p] = residual(w, tokens[p], p);
        }
        double[] resid = x[last].clone();
        INDArray wO = w.get("blocks.0.attn.W_O");
        for (int h = 0; h < nHeads; h++) {
            double[] s = new double[tokens.length];
            double max = Double.NEGATIVE_INFINITY;
            for (int p = 0; p <= last; p++) {
                s[p] = score(w, h, scale, x[last], x[p]);
                max = Math.max(max, s[p]);
            }
            double sum = 0;
            for (int p = 0; p <= last; p++) {
                s[p] = Math.exp(s[p] - max);
                sum += s[p];
            }
            double[] z = null;
            for (int p = 0; p <= last; p++) {
                double[] v = project(w, "W_V", "b_V", h, x[p]);
                if (z == null) {
                    z = new double[v.length];
                }
                for (int j = 0; j < v.length; j++) {
                    z[j] += s[p] / sum * v[j];
                }
            }
            for (int i = 0; i < resid.length; i++) {
                for (int j = 0; j < z.length; j++) {
                    resid[i] += z[j] * wO.getDouble(h, j, i);
                }
            }
        }
        INDArray bO = w.get("blocks.0.attn.b_O");
        INDArray wU = w.get("unembed.W_U");
        INDArray bU = w.get("unembed.b_U");
        double[] logits = new double[(int) wU.size(1)];
        for (int o = 0; o < logits.length; o++) {
            for (int i = 0; i < resid.length; i++) {
                logits[o] += (resid[i] + (bO == null ? 0 : bO.getDouble(i))) * wU.getDouble(i, o);
            }
            logits[o] += bU == null ? 0 : bU.getDouble(o);
        }
        return logits;
    }

    static int argmax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }
}
