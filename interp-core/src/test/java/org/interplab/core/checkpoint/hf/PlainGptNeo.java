package org.interplab.core.checkpoint.hf;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GPT-Neo's forward pass in plain double loops over TransformerLens-named weights, written independently of the
 * project's Transformer (one sequence, no batching): embed + pos_embed; per layer LayerNorm(eps), attention with
 * NO 1/√d_head scale, causal and — for a "local" layer — only keys with q − k < window, out = Σ_h z_h·W_O[h] + b_O;
 * LayerNorm, gelu_new MLP; final LayerNorm; logits = x·W_U + b_U.
 */
final class PlainGptNeo {
    record Result(double[][] logits, double[][][] hookPost) {
    }

    private PlainGptNeo() {
    }

    static Result forward(Map<String, INDArray> w, GptNeoConfig c, int[] tokens) {
        int t = tokens.length, d = c.hiddenSize(), heads = c.numHeads(), dh = c.dHead(), mlp = c.intermediateSize();
        double eps = c.layerNormEpsilon();
        List<String> types = c.attentionLayers();
        double[][] x = new double[t][d];
        for (int p = 0; p < t; p++) {
            for (int i = 0; i < d; i++) {
                x[p][i] = w.get("embed.W_E").getDouble(tokens[p], i) + w.get("pos_embed.W_pos").getDouble(p, i);
            }
        }
        double[][][] hookPost = new double[c.numLayers()][][];
        for (int l = 0; l < c.numLayers(); l++) {
            String b = "blocks." + l + ".";
            double[][] h = layerNorm(x, w.get(b + "ln1.w"), w.get(b + "ln1.b"), eps);
            double[][] attnOut = new double[t][d];
            for (int p = 0; p < t; p++) {
                for (int i = 0; i < d; i++) {
                    attnOut[p][i] = w.get(b + "attn.b_O").getDouble(i);
                }
            }
            for (int head = 0; head < heads; head++) {
                double[][] q = project(h, w.get(b + "attn.W_Q"), w.get(b + "attn.b_Q"), head, dh);
                double[][] k = project(h, w.get(b + "attn.W_K"), w.get(b + "attn.b_K"), head, dh);
                double[][] v = project(h, w.get(b + "attn.W_V"), w.get(b + "attn.b_V"), head, dh);
                for (int qp = 0; qp < t; qp++) {
                    double[] scores = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int kp = 0; kp < t; kp++) {
                        boolean allowed = kp <= qp && (!"local".equals(types.get(l)) || qp - kp < c.windowSize());
                        if (!allowed) {
                            scores[kp] = Double.NEGATIVE_INFINITY;
                            continue;
                        }
                        double s = 0;
                        for (int e = 0; e < dh; e++) {
                            s += q[qp][e] * k[kp][e];
                        }
                        scores[kp] = s;
                        max = Math.max(max, s);
                    }
                    double sum = 0;
                    for (int kp = 0; kp < t; kp++) {
                        scores[kp] = scores[kp] == Double.NEGATIVE_INFINITY ? 0 : Math.exp(scores[kp] - max);
                        sum += scores[kp];
                    }
                    double[] z = new double[dh];
                    for (int kp = 0; kp < t; kp++) {
                        for (int e = 0; e < dh; e++) {
                            z[e] += scores[kp] / sum * v[kp][e];
                        }
                    }
                    for (int i = 0; i < d; i++) {
                        double s = 0;
                        for (int e = 0; e < dh; e++) {
                            s += z[e] * w.get(b + "attn.W_O").getDouble(head, e, i);
                        }
                        attnOut[qp][i] += s;
                    }
                }
            }
            add(x, attnOut);
            h = layerNorm(x, w.get(b + "ln2.w"), w.get(b + "ln2.b"), eps);
            double[][] post = affine(h, w.get(b + "mlp.W_in"), w.get(b + "mlp.b_in"), mlp);
            for (double[] row : post) {
                for (int j = 0; j < mlp; j++) {
                    double u = row[j];
                    row[j] = 0.5 * u * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (u + 0.044715 * u * u * u)));
                }
            }
            hookPost[l] = post;
            add(x, affine(post, w.get(b + "mlp.W_out"), w.get(b + "mlp.b_out"), d));
        }
        double[][] fin = layerNorm(x, w.get("ln_final.w"), w.get("ln_final.b"), eps);
        return new Result(affine(fin, w.get("unembed.W_U"), w.get("unembed.b_U"), c.vocabSize()), hookPost);
    }

    private static double[][] layerNorm(double[][] x, INDArray g, INDArray b, double eps) {
        double[][] out = new double[x.length][];
        for (int p = 0; p < x.length; p++) {
            int d = x[p].length;
            double mean = 0;
            for (double v : x[p]) {
                mean += v / d;
            }
            double var = 0;
            for (double v : x[p]) {
                var += (v - mean) * (v - mean) / d;
            }
            out[p] = new double[d];
            for (int i = 0; i < d; i++) {
                out[p][i] = (x[p][i] - mean) / Math.sqrt(var + eps) * g.getDouble(i) + b.getDouble(i);
            }
        }
        return out;
    }

    /** x·W[head] + b[head] for a [head, d_model, d_head] weight. */
    private static double[][] project(double[][] x, INDArray wHead, INDArray bHead, int head, int dh) {
        double[][] out = new double[x.length][dh];
        for (int p = 0; p < x.length; p++) {
            for (int e = 0; e < dh; e++) {
                double s = bHead.getDouble(head, e);
                for (int i = 0; i < x[p].length; i++) {
                    s += x[p][i] * wHead.getDouble(head, i, e);
                }
                out[p][e] = s;
            }
        }
        return out;
    }

    private static double[][] affine(double[][] x, INDArray w, INDArray b, int out) {
        double[][] y = new double[x.length][out];
        for (int p = 0; p < x.length; p++) {
            for (int j = 0; j < out; j++) {
                double s = b.getDouble(j);
                for (int i = 0; i < x[p].length; i++) {
                    s += x[p][i] * w.getDouble(i, j);
                }
                y[p][j] = s;
            }
        }
        return y;
    }

    private static void add(double[][] x, double[][] y) {
        for (int p = 0; p < x.length; p++) {
            for (int i = 0; i < x[p].length; i++) {
                x[p][i] += y[p][i];
            }
        }
    }
}
