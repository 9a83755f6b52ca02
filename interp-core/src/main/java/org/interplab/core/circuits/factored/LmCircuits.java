package org.interplab.core.circuits.factored;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.circuits.CircuitTable;
import org.interplab.core.circuits.TableResult;
import org.interplab.core.circuits.TransformerCircuits;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.neuroscope.NeuronWeights;
import org.interplab.core.neuroscope.TopK;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Per-head QK and OV circuits of a language model over its whole vocabulary, summarised from their
 * {@link FactoredMatrix factors} (never a d_vocab × d_vocab matrix; memory O(d_vocab · d_model)).
 *
 * <p>With X = LN1_l(W_E) (layer l's ln1 applied to each token's embedding: centre, ÷ σ, · w, + b; positional
 * embeddings left out) — the direct path from the embedding, as the head sees a token:
 * <ul>
 *   <li>QK_{LlHh} = s · (X·W_Q[h] + b_Q[h]) · (X·W_K[h] + b_K[h])ᵀ, rows query token, columns key token, s the
 *   model's attention scale (1/√d_head, or 1 when {@code useAttnScale} is false): the pre-softmax score.</li>
 *   <li>OV_{LlHh} = (X·W_V[h] + b_V[h]) · W_O[h]' · W_U', rows attended (source) token, columns output token: the
 *   direct logit effect when the head attends fully to a token. W_O[h]' is W_O[h] centred over d_model and
 *   multiplied by ln_final.w, W_U' is W_U centred over the vocabulary (TransformerLens's {@code fold_ln},
 *   {@code center_writing_weights}, {@code center_unembed}; ln_final's 1/σ per position is not folded) — the same
 *   folding as the neurons' logit tables ({@link NeuronWeights#logitEffects}).</li>
 * </ul>
 * Tables per head: {@code QK.LlHh.svd} and {@code OV.LlHh.svd} (singular values), {@code QK.LlHh.top} and
 * {@code OV.LlHh.top} (the {@link #TOP_PAIRS} largest entries as token pairs), {@code OV.LlHh.copying} (the
 * {@link #TOP_TOKENS} tokens with the largest OV diagonal: the head, attending to the token, raises that same
 * token's logit), {@code QK.LlHh.self} (tokens with the largest QK diagonal: a query attending to its own token).
 */
public final class LmCircuits {
    public static final int TOP_PAIRS = 20;
    public static final int TOP_TOKENS = 20;
    /** Embedding rows pushed through ln1 at a time. */
    private static final int LN_BLOCK = 4096;

    private final Map<String, INDArray> weights;
    private final ModelSpec m;
    private final double scale;
    private final IntFunction<String> label;

    public LmCircuits(Map<String, INDArray> weights, ExperimentSpec spec) {
        TransformerCircuits.validate(weights, spec);
        this.weights = weights;
        this.m = spec.model();
        this.scale = Boolean.FALSE.equals(m.useAttnScale()) ? 1.0 : 1.0 / Math.sqrt(m.dHead());
        boolean gpt2 = m.dVocab() == Gpt2Tokenizer.VOCAB;
        this.label = gpt2 ? t -> quote(Gpt2Tokenizer.get().tokenString(t)) : String::valueOf;
    }

    /**
     * A language model: {@code task.kind = lm}, or any transformer on the GPT-2 vocabulary (50 257 tokens, whose
     * token × token tables could never be dense). Smaller toy vocabularies keep their dense tables.
     */
    public static boolean appliesTo(ExperimentSpec spec) {
        if (spec.task() != null && TaskShapes.LM.equals(spec.task().kind())) {
            return true;
        }
        ModelSpec m = spec.model();
        return m != null && m.dVocab() != null && m.dVocab() == Gpt2Tokenizer.VOCAB;
    }

    /** Every table of every head, one failing head not losing the others. */
    public static List<TableResult> analyse(Map<String, INDArray> weights, ExperimentSpec spec) {
        LmCircuits c = new LmCircuits(weights, spec);
        List<TableResult> out = new ArrayList<>();
        for (int l = 0; l < c.m.nLayers(); l++) {
            INDArray x;
            try {
                x = c.embedThroughLn(l);
            } catch (RuntimeException e) {
                for (int h = 0; h < c.m.nHeads(); h++) {
                    for (String name : names(l, h)) {
                        out.add(TableResult.failed(name, e));
                    }
                }
                continue;
            }
            for (int h = 0; h < c.m.nHeads(); h++) {
                out.addAll(c.headTables(x, l, h));
            }
        }
        return out;
    }

    static List<String> names(int layer, int head) {
        String h = TransformerCircuits.head(layer, head);
        return List.of("QK." + h + ".svd", "QK." + h + ".top", "QK." + h + ".self", "OV." + h + ".svd",
                "OV." + h + ".top", "OV." + h + ".copying");
    }

    private List<TableResult> headTables(INDArray x, int layer, int head) {
        List<TableResult> out = new ArrayList<>();
        List<String> names = names(layer, head);
        FactoredMatrix qk, ov;
        try {
            qk = qk(x, layer, head);
            ov = ov(x, layer, head);
        } catch (RuntimeException | OutOfMemoryError e) {
            names.forEach(n -> out.add(TableResult.failed(n, e)));
            return out;
        }
        String h = TransformerCircuits.head(layer, head);
        String qkDef = "QK = s·(LN1(W_E)·W_Q + b_Q)·(LN1(W_E)·W_K + b_K)ᵀ, s = " + fmt(scale)
                + ", positions left out; from its factors (inner dimension d_head = " + m.dHead() + ").";
        String ovDef = "OV = (LN1(W_E)·W_V + b_V)·W_O·W_U with ln_final.w folded into W_U, W_O centred over d_model "
                + "and W_U over the vocabulary (ln_final's 1/σ not folded); from its factors (inner dimension d_head = "
                + m.dHead() + ").";
        out.add(table(names.get(0), () -> svdTable(names.get(0), "QK.svd", "QK " + h + ": singular values", qkDef, qk)));
        out.add(table(names.get(1), () -> pairTable(names.get(1), "QK.top", "QK " + h + ": top query → key pairs",
                qkDef + " The " + TOP_PAIRS + " largest entries of the d_vocab × d_vocab matrix, found exactly "
                        + "without forming it.", "query token → key token", "score", qk.top(TOP_PAIRS))));
        out.add(table(names.get(2), () -> diagonalTable(names.get(2), "QK.self", "QK " + h + ": tokens attending to themselves",
                qkDef + " The tokens with the largest diagonal QK[t, t].", "QK[t, t]", qk.diagonal())));
        out.add(table(names.get(3), () -> svdTable(names.get(3), "OV.svd", "OV " + h + ": singular values", ovDef, ov)));
        out.add(table(names.get(4), () -> pairTable(names.get(4), "OV.top", "OV " + h + ": top source → output pairs",
                ovDef + " The " + TOP_PAIRS + " largest entries: attending to the source token raises the output "
                        + "token's logit most.", "source token → output token", "logit effect", ov.top(TOP_PAIRS))));
        out.add(table(names.get(5), () -> diagonalTable(names.get(5), "OV.copying", "OV " + h + ": copying tokens",
                ovDef + " The tokens with the largest diagonal OV[t, t] (copying score: attending to t raises t's "
                        + "own logit); the last row is the share of the vocabulary with a positive diagonal.",
                "OV[t, t]", ov.diagonal())));
        return out;
    }

    /** QK of one head as factors [d_vocab, d_head] · [d_head, d_vocab]. */
    public FactoredMatrix qk(INDArray lnEmbed, int layer, int head) {
        INDArray q = project(lnEmbed, layer, "W_Q", "b_Q", head).muli(scale);
        INDArray k = project(lnEmbed, layer, "W_K", "b_K", head);
        return new FactoredMatrix(q, k.transpose());
    }

    /** OV of one head as factors [d_vocab, d_head] · [d_head, d_vocab_out]. */
    public FactoredMatrix ov(INDArray lnEmbed, int layer, int head) {
        INDArray v = project(lnEmbed, layer, "W_V", "b_V", head);
        INDArray wO = slice(layer, "W_O", head); // [d_head, d_model]
        wO = wO.subColumnVector(wO.mean(1).reshape(-1, 1));
        INDArray lnf = weights.get("ln_final.w");
        if (lnf != null) {
            wO = wO.mulRowVector(lnf.castTo(DataType.FLOAT).reshape(1, -1));
        }
        INDArray wU = weights.get("unembed.W_U").castTo(DataType.FLOAT);
        INDArray ou = wO.mmul(wU); // [d_head, d_vocab_out]
        ou.subiColumnVector(ou.mean(1).reshape(-1, 1)); // = W_O'·(W_U centred over the vocabulary)
        return new FactoredMatrix(v, ou);
    }

    /** LN1 of layer l applied to every row of W_E, in blocks (float, [d_vocab, d_model]). */
    public INDArray embedThroughLn(int layer) {
        INDArray wE = weights.get("embed.W_E");
        String p = "blocks." + layer + ".ln1.";
        INDArray w = weights.get(p + "w"), b = weights.get(p + "b");
        INDArray out = Nd4j.create(DataType.FLOAT, wE.rows(), wE.columns());
        for (long s = 0; s < wE.rows(); s += LN_BLOCK) {
            long e = Math.min(wE.rows(), s + LN_BLOCK);
            INDArray rows = wE.get(interval(s, e), all()).castTo(DataType.FLOAT);
            out.get(interval(s, e), all()).assign(NeuronWeights.layerNorm(rows, w, b, lnEps()));
        }
        return out;
    }

    private double lnEps() {
        return m.lnEps() == null ? 1e-5 : m.lnEps();
    }

    private INDArray slice(int layer, String name, int head) {
        return weights.get("blocks." + layer + ".attn." + name).get(point(head), all(), all()).castTo(DataType.FLOAT);
    }

    private INDArray project(INDArray x, int layer, String w, String b, int head) {
        INDArray out = x.mmul(slice(layer, w, head));
        INDArray bias = weights.get("blocks." + layer + ".attn." + b);
        return bias == null ? out : out.addiRowVector(bias.castTo(DataType.FLOAT).getRow(head));
    }

    // ---- tables --------------------------------------------------------------------------------------------------

    private static TableResult table(String name, Supplier<CircuitTable> t) {
        try {
            return TableResult.ok(t.get());
        } catch (RuntimeException | OutOfMemoryError e) {
            return TableResult.failed(name, e);
        }
    }

    private CircuitTable svdTable(String name, String kind, String title, String def, FactoredMatrix f) {
        double[] s = f.singularValues();
        List<String> rows = new ArrayList<>();
        double total = 0;
        for (double v : s) {
            total += v * v;
        }
        double[][] withShare = new double[s.length][2];
        for (int i = 0; i < s.length; i++) {
            rows.add("σ" + (i + 1));
            withShare[i][0] = s[i];
            withShare[i][1] = total == 0 ? 0 : s[i] * s[i] / total;
        }
        return new CircuitTable(name, kind, title, def + " Singular values from the d_head × d_head cores, largest "
                + "first, with each one's share of the squared Frobenius norm.", "singular value", "",
                rows, List.of("σ", "share of ‖·‖²"), withShare);
    }

    private CircuitTable pairTable(String name, String kind, String title, String def, String rowAxis, String col,
                                   List<FactoredMatrix.Entry> top) {
        List<String> rows = new ArrayList<>();
        double[][] values = new double[top.size()][3];
        for (int i = 0; i < top.size(); i++) {
            FactoredMatrix.Entry e = top.get(i);
            rows.add(label.apply(e.row()) + " → " + label.apply(e.col()));
            values[i][0] = e.value();
            values[i][1] = e.row();
            values[i][2] = e.col();
        }
        return new CircuitTable(name, kind, title, def, rowAxis, "", rows, List.of(col, "row token id", "column token id"),
                values);
    }

    private CircuitTable diagonalTable(String name, String kind, String title, String def, String col, double[] diag) {
        float[] f = new float[diag.length];
        int positive = 0;
        for (int i = 0; i < diag.length; i++) {
            f[i] = (float) diag[i];
            positive += diag[i] > 0 ? 1 : 0;
        }
        int[] top = TopK.indices(f, Math.min(TOP_TOKENS, f.length));
        List<String> rows = new ArrayList<>();
        double[][] values = new double[top.length + 1][2];
        for (int i = 0; i < top.length; i++) {
            rows.add(label.apply(top[i]));
            values[i][0] = diag[top[i]];
            values[i][1] = top[i];
        }
        rows.add("share of tokens with " + col + " > 0");
        values[top.length][0] = diag.length == 0 ? 0 : (double) positive / diag.length;
        values[top.length][1] = -1;
        return new CircuitTable(name, kind, title, def, "token", "", rows, List.of(col, "token id"), values);
    }

    private static String quote(String token) {
        return "'" + token.replace("\n", "\\n") + "'";
    }

    private static String fmt(double v) {
        return String.format(java.util.Locale.ROOT, "%.4g", v);
    }
}
