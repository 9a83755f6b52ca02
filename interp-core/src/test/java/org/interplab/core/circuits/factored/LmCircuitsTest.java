package org.interplab.core.circuits.factored;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.circuits.CircuitAnalysis;
import org.interplab.core.circuits.CircuitTable;
import org.interplab.core.circuits.TableResult;
import org.interplab.core.model.Transformer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A small language model (vocabulary 60, LayerNorm, biases, ln_final all random): each head's QK and OV summaries
 * from the factors equal the dense d_vocab × d_vocab circuits built by plain loops from the weights.
 */
class LmCircuitsTest {
    static final int V = 60, D = 12, H = 2, DH = 3;

    static ExperimentSpec spec() {
        return Json.read("""
                {"name": "tiny-lm", "task": {"kind": "lm", "corpus": "builtin-stories"},
                 "model": {"kind": "transformer", "nLayers": 2, "nHeads": %d, "dHead": %d, "dModel": %d, "nCtx": 8,
                   "dVocab": %d, "dVocabOut": %d, "dMlp": 16, "attnOnly": false, "normalization": "LN",
                   "useAttnScale": true, "actFn": "gelu_new", "lnEps": 1e-5},
                 "training": {"steps": 1, "batchSize": 1, "lr": 0.001}, "seed": 1}
                """.formatted(H, DH, D, V, V), ExperimentSpec.class);
    }

    static Map<String, INDArray> weights(ExperimentSpec spec) {
        Map<String, INDArray> w = Transformer.init(Transformer.Config.of(spec.model()), 7);
        Random rng = new Random(5);
        for (Map.Entry<String, INDArray> e : w.entrySet()) {
            String leaf = e.getKey().substring(e.getKey().lastIndexOf('.') + 1);
            if (!leaf.startsWith("W_")) { // LayerNorm weights and biases: non-trivial, so the folding counts
                double[] v = e.getValue().dup().data().asDouble();
                for (int i = 0; i < v.length; i++) {
                    v[i] = leaf.equals("w") ? 0.5 + rng.nextDouble() : 0.3 * rng.nextGaussian();
                }
                e.getValue().assign(org.nd4j.linalg.factory.Nd4j.create(v, e.getValue().shape(),
                        e.getValue().dataType()));
            }
        }
        return w;
    }

    static double g(INDArray x, long... idx) {
        return x.getDouble(idx);
    }

    /** LN1_l(W_E[t]) by plain loops. */
    static double[][] lnEmbed(Map<String, INDArray> w, int layer) {
        INDArray wE = w.get("embed.W_E"), lw = w.get("blocks." + layer + ".ln1.w"), lb = w.get("blocks." + layer + ".ln1.b");
        double[][] x = new double[V][D];
        for (int t = 0; t < V; t++) {
            double mean = 0, var = 0;
            for (int d = 0; d < D; d++) {
                mean += g(wE, t, d) / D;
            }
            for (int d = 0; d < D; d++) {
                var += Math.pow(g(wE, t, d) - mean, 2) / D;
            }
            for (int d = 0; d < D; d++) {
                x[t][d] = (g(wE, t, d) - mean) / Math.sqrt(var + 1e-5) * g(lw, d) + g(lb, d);
            }
        }
        return x;
    }

    static double[][] project(Map<String, INDArray> w, double[][] x, int layer, String m, int head) {
        INDArray wm = w.get("blocks." + layer + ".attn.W_" + m), b = w.get("blocks." + layer + ".attn.b_" + m);
        double[][] out = new double[V][DH];
        for (int t = 0; t < V; t++) {
            for (int e = 0; e < DH; e++) {
                double s = g(b, head, e);
                for (int d = 0; d < D; d++) {
                    s += x[t][d] * g(wm, head, d, e);
                }
                out[t][e] = s;
            }
        }
        return out;
    }

    static double[][] denseQk(Map<String, INDArray> w, int layer, int head) {
        double[][] x = lnEmbed(w, layer), q = project(w, x, layer, "Q", head), k = project(w, x, layer, "K", head);
        double[][] qk = new double[V][V];
        for (int t = 0; t < V; t++) {
            for (int s = 0; s < V; s++) {
                double v = 0;
                for (int e = 0; e < DH; e++) {
                    v += q[t][e] * k[s][e];
                }
                qk[t][s] = v / Math.sqrt(DH);
            }
        }
        return qk;
    }

    /** The head's output written to the residual, through LayerNorm's centring and ln_final.w, then W_U, then centred over tokens. */
    static double[][] denseOv(Map<String, INDArray> w, int layer, int head) {
        double[][] v = project(w, lnEmbed(w, layer), layer, "V", head);
        INDArray wO = w.get("blocks." + layer + ".attn.W_O"), lnf = w.get("ln_final.w"), wU = w.get("unembed.W_U");
        double[][] ov = new double[V][V];
        for (int t = 0; t < V; t++) {
            double[] y = new double[D];
            double mean = 0;
            for (int d = 0; d < D; d++) {
                for (int e = 0; e < DH; e++) {
                    y[d] += v[t][e] * g(wO, head, e, d);
                }
                mean += y[d] / D;
            }
            double rowMean = 0;
            for (int u = 0; u < V; u++) {
                double s = 0;
                for (int d = 0; d < D; d++) {
                    s += (y[d] - mean) * g(lnf, d) * g(wU, d, u);
                }
                ov[t][u] = s;
                rowMean += s / V;
            }
            for (int u = 0; u < V; u++) {
                ov[t][u] -= rowMean;
            }
        }
        return ov;
    }

    @Test
    void everyHeadsFactoredCircuitEqualsTheDenseOne() {
        ExperimentSpec spec = spec();
        Map<String, INDArray> w = weights(spec);
        LmCircuits c = new LmCircuits(w, spec);
        for (int l = 0; l < 2; l++) {
            INDArray x = c.embedThroughLn(l);
            for (int h = 0; h < H; h++) {
                check(c.qk(x, l, h), denseQk(w, l, h), "QK L" + l + "H" + h);
                check(c.ov(x, l, h), denseOv(w, l, h), "OV L" + l + "H" + h);
            }
        }
    }

    static void check(FactoredMatrix f, double[][] dense, String what) {
        double[] expected = FactoredMatrixTest.denseSingularValues(dense);
        double[] s = f.singularValues();
        assertEquals(DH, s.length, what);
        for (int i = 0; i < DH; i++) {
            assertEquals(expected[i], s[i], 1e-4 * Math.max(1, expected[0]), what + " σ" + (i + 1));
        }
        assertTrue(expected[DH] < 1e-4 * expected[0], what + ": the dense matrix has rank d_head");
        FactoredMatrixTest.assertSameEntries(FactoredMatrixTest.denseTop(dense, 20), f.top(20));
        double[] diag = f.diagonal();
        for (int t = 0; t < V; t++) {
            assertEquals(dense[t][t], diag[t], 1e-4, what + " diagonal " + t);
        }
    }

    @Test
    void anLmCheckpointGetsEveryHeadsTablesAndNoneFails() {
        ExperimentSpec spec = spec();
        Map<String, INDArray> w = weights(spec);
        List<TableResult> results = CircuitAnalysis.analyse(w, spec);
        assertEquals(2 * H * 6, results.size());
        results.forEach(r -> assertNull(r.error(), r.name() + ": " + r.error()));
        Map<String, CircuitTable> byName = results.stream().collect(Collectors.toMap(TableResult::name, TableResult::table));
        CircuitTable top = byName.get("QK.L1H0.top");
        double[][] dense = denseQk(w, 1, 0);
        List<FactoredMatrix.Entry> expected = FactoredMatrixTest.denseTop(dense, LmCircuits.TOP_PAIRS);
        assertEquals(LmCircuits.TOP_PAIRS, top.rowLabels().size());
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i).row() + " → " + expected.get(i).col(), top.rowLabels().get(i));
            assertEquals(expected.get(i).value(), top.values()[i][0], 1e-4);
        }
        CircuitTable svd = byName.get("OV.L0H1.svd");
        assertEquals(DH, svd.values().length);
        double shares = 0;
        for (double[] row : svd.values()) {
            shares += row[1];
        }
        assertEquals(1.0, shares, 1e-9, "the shares of ‖OV‖² add up to 1");
        CircuitTable copying = byName.get("OV.L0H0.copying");
        double[][] ov = denseOv(w, 0, 0);
        int best = 0;
        for (int t = 1; t < V; t++) {
            best = ov[t][t] > ov[best][best] ? t : best;
        }
        assertEquals(String.valueOf(best), copying.rowLabels().get(0));
        assertEquals(ov[best][best], copying.values()[0][0], 1e-4);
    }
}
