package org.interplab.core.circuits;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.core.model.HookFn;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Tables that need the model run on inputs. A head is zero-ablated by a hook that zeroes its hook_z (its output
 * z_h·W_O[h] is then 0; the shared b_O stays; no weights are copied), so "only head h" keeps that one head and
 * zero-ablates every other head of every layer.
 */
public final class ForwardTables {
    /** Test sequences the direct logit attribution averages over. */
    public static final int DLA_SAMPLE = 256;
    /** Test sequences whose attention patterns are tabled ({@code attention_pattern.S{k}.L{l}H{h}}). */
    public static final int PATTERN_SAMPLES = 4;

    private ForwardTables() {
    }

    /** The model of the spec on these weights (absent biases zero, absent LayerNorm weights one). */
    static Transformer model(Map<String, INDArray> weights, ModelSpec m) {
        Transformer.Config cfg = Transformer.Config.of(m);
        return new Transformer(cfg, Transformer.withDefaults(cfg, weights));
    }

    /** Zero-ablation hooks on hook_z: every head not in {@code keep[layer][head]} writes nothing. */
    static Map<String, HookFn> ablateAllBut(boolean[][] keep) {
        Map<String, HookFn> hooks = new LinkedHashMap<>();
        for (int l = 0; l < keep.length; l++) {
            boolean[] kept = keep[l];
            hooks.put("blocks." + l + ".attn.hook_z", (z, name) -> {
                for (int h = 0; h < kept.length; h++) {
                    if (!kept[h]) {
                        z.get(all(), all(), point(h), all()).assign(0);
                    }
                }
                return z;
            });
        }
        return hooks;
    }

    static boolean[][] only(ModelSpec m, int layer, int head) {
        boolean[][] keep = new boolean[m.nLayers()][m.nHeads()];
        if (layer >= 0) {
            keep[layer][head] = true;
        }
        return keep;
    }

    /** The 100 sequences a0 + b0 with every other operand digit 0, row-major over (a0, b0). */
    static int[][] digitGrid(int nDigits) {
        int[][] tokens = new int[100][];
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                tokens[a * 10 + b] = AdditionTask.encode(a, b, nDigits);
            }
        }
        return tokens;
    }

    /**
     * Seed 001 §1's ablation heatmap: for the digits a0 at position 0 and b0 at position n (the least significant
     * digits; every other operand digit 0), the logit of the correct first answer digit (a0 + b0) mod 10 at
     * position 2n−1, which predicts position 2n. {@code layer} &lt; 0 ablates every head (the baseline).
     */
    public static CircuitTable onlyHeadGrid(Map<String, INDArray> weights, ExperimentSpec spec, int layer, int head) {
        if (spec.task() == null || !"addition".equals(spec.task().kind())) {
            throw new IllegalArgumentException("the digit grid is defined for the addition task only");
        }
        int n = spec.task().nDigits() == null ? 6 : spec.task().nDigits();
        int[][] tokens = digitGrid(n);
        INDArray logits = model(weights, spec.model()).run(tokens, ablateAllBut(only(spec.model(), layer, head)));
        int readPosition = 2 * n - 1;
        double[][] values = new double[10][10];
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                values[a][b] = logits.getDouble(a * 10 + b, readPosition, (a + b) % 10);
            }
        }
        List<String> digits = TransformerCircuits.numbered(10);
        String rowAxis = "digit at position 0", colAxis = "digit at position " + n;
        String what = "the logit of the correct first answer digit (a0 + b0) mod 10, read at position " + readPosition
                + " (it predicts position " + (2 * n) + "); every other operand digit is 0";
        if (layer < 0) {
            return new CircuitTable("all_heads_ablated", "all_heads_ablated",
                    "All heads zero-ablated: correct first-digit logit", "Baseline of the only-head grids: " + what
                    + ", with every head's output zero-ablated (hook_z = 0; embeddings, b_O and the unembedding remain).",
                    rowAxis, colAxis, digits, digits, values);
        }
        String h = TransformerCircuits.head(layer, head);
        return new CircuitTable("only_head." + h, "only_head", "Only " + h + ": correct first-digit logit",
                what + ", with every head but " + h + " zero-ablated (their hook_z set to 0). Compare with "
                        + "all_heads_ablated to see what " + h + " adds.", rowAxis, colAxis, digits, digits, values);
    }

    /**
     * {@code direct_logit_attribution}: per head, its direct contribution to the correct output's logit, averaged
     * over the loss positions of the first {@link #DLA_SAMPLE} test sequences, and the same minus the head's mean
     * contribution over all outputs (what softmax sees). Computed from one forward pass as hook_result[h]·W_U, which
     * equals logits(only head h) − logits(no head) when the model has one layer, no MLP and no LayerNorm; other
     * models are refused.
     */
    public static CircuitTable directLogitAttribution(Map<String, INDArray> weights, ExperimentSpec spec) {
        ModelSpec m = spec.model();
        if (!attributionIsExact(m)) {
            throw new IllegalStateException("direct logit attribution by ablation is exact only for 1-layer "
                    + "attention-only models without LayerNorm; other models need per-head outputs (hook_result) "
                    + "from the forward pass");
        }
        SequenceTask task = SequenceTask.create(spec.task(), spec.seed() == null ? 0L : spec.seed());
        TokenBatch test = task.test();
        int size = Math.min(DLA_SAMPLE, test.size());
        int[][] tokens = new int[size][];
        int[][] targets = new int[size][];
        for (int i = 0; i < size; i++) {
            tokens[i] = test.tokens()[i];
            targets[i] = test.targets()[i];
        }
        // one forward: head h's direct effect on the logits is hook_result[.., h, :]·W_U (b_U and the rest of the
        // residual cancel in logits(only h) − logits(no head))
        Transformer model = model(weights, m);
        INDArray result = model.runWithCache(tokens, "blocks.0.attn.hook_result"::equals)
                .get("blocks.0.attn.hook_result"); // [batch, pos, head, d_model]
        int b = tokens.length, t = tokens[0].length, nHeads = m.nHeads(), dModel = m.dModel();
        INDArray wU = weights.get("unembed.W_U").castTo(result.dataType());
        int vOut = (int) wU.size(1);
        // [batch·pos·head, d_model]·W_U → [batch, pos, head·d_vocab_out]
        INDArray headLogits = result.reshape((long) b * t * nHeads, dModel).mmul(wU)
                .reshape(b, t, (long) nHeads * vOut);
        double[][] perHead = lossPositionLogits(headLogits, targets); // [count, head·d_vocab_out]
        int[] correct = correctOutputs(targets);
        double[][] values = new double[m.nHeads()][2];
        List<String> heads = new ArrayList<>();
        for (int h = 0; h < m.nHeads(); h++) {
            heads.add(TransformerCircuits.head(0, h));
            double onCorrect = 0, vsMean = 0;
            for (int r = 0; r < correct.length; r++) {
                double mean = 0;
                for (int o = 0; o < vOut; o++) {
                    mean += perHead[r][h * vOut + o];
                }
                mean /= vOut;
                double c = perHead[r][h * vOut + correct[r]];
                onCorrect += c;
                vsMean += c - mean;
            }
            values[h][0] = onCorrect / correct.length;
            values[h][1] = vsMean / correct.length;
        }
        return new CircuitTable("direct_logit_attribution", "direct_logit_attribution",
                "Direct logit attribution per head",
                "Each head's output times W_U at the correct output token, averaged over the " + correct.length
                        + " loss positions of the first " + size + " test sequences (" + spec.task().kind()
                        + "), and the same minus its mean over all outputs. Computed from the per-head outputs "
                        + "(hook_result) of one forward pass; equal to logits with only that head minus logits "
                        + "with every head zero-ablated (1-layer attention-only model without LayerNorm).",
                "head", "measure", heads, List.of("correct logit", "correct − mean logit"), values);
    }

    /** The first {@link #PATTERN_SAMPLES} (or fewer) sequences of the task's test set. */
    public static int[][] patternSamples(ExperimentSpec spec) {
        TokenBatch test = SequenceTask.create(spec.task(), spec.seed() == null ? 0L : spec.seed()).test();
        int size = Math.min(PATTERN_SAMPLES, test.size());
        return java.util.Arrays.copyOf(test.tokens(), size);
    }

    /**
     * One forward pass over {@code samples}: {@code blocks.l.attn.hook_pattern} [sample, head, query_pos, key_pos]
     * per layer (every head writes; nothing ablated).
     */
    public static Map<String, INDArray> patterns(Map<String, INDArray> weights, ExperimentSpec spec,
                                                 int[][] samples) {
        return model(weights, spec.model()).runWithCache(samples, name -> name.endsWith(".hook_pattern"));
    }

    /**
     * {@code attention_pattern.S{k}.L{l}H{h}}, as CircuitsVis draws it: the attention pattern of head h of layer l
     * on sample sequence k, rows = query positions, columns = key positions, both labelled {@code position:token}.
     * Each row sums to 1; entries above the diagonal (future keys) are 0.
     *
     * @param pattern {@code blocks.l.attn.hook_pattern} of the samples, [sample, head, query_pos, key_pos]
     */
    public static CircuitTable attentionPattern(INDArray pattern, int[][] samples, int sample, int layer, int head,
                                                List<String> tokenLabels) {
        int[] tokens = samples[sample];
        int t = tokens.length;
        INDArray m = pattern.get(point(sample), point(head), all(), all()).castTo(org.nd4j.linalg.api.buffer
                .DataType.DOUBLE).dup('c');
        double[] flat = m.reshape((long) t * t).toDoubleVector();
        double[][] values = new double[t][t];
        for (int q = 0; q < t; q++) {
            System.arraycopy(flat, q * t, values[q], 0, t);
        }
        List<String> labels = new ArrayList<>();
        for (int p = 0; p < t; p++) {
            int tok = tokens[p];
            labels.add(p + ":" + (tok >= 0 && tok < tokenLabels.size() ? tokenLabels.get(tok) : String.valueOf(tok)));
        }
        String h = TransformerCircuits.head(layer, head);
        StringBuilder seq = new StringBuilder();
        for (String l : labels) {
            seq.append(seq.length() == 0 ? "" : " ").append(l.substring(l.indexOf(':') + 1));
        }
        return new CircuitTable("attention_pattern.S" + sample + "." + h, "attention_pattern",
                "Attention pattern of " + h + " on test sequence " + sample,
                "Softmax attention of " + h + " from each query position (row) to each key position (column) on "
                        + "test sequence " + sample + " (" + seq + "), as CircuitsVis draws it. Rows sum to 1; "
                        + "later keys are masked to 0.",
                "query position", "key position", labels, List.copyOf(labels), values);
    }

    /** True for 1-layer attention-only models without LayerNorm, where logits are linear in each head's output. */
    public static boolean attributionIsExact(ModelSpec m) {
        return m.nLayers() == 1 && (Boolean.TRUE.equals(m.attnOnly()) || m.dMlp() == null)
                && !"LN".equalsIgnoreCase(m.normalization());
    }

    /** Logits at every position with a target, in row-major order: [count, d_vocab_out]. */
    private static double[][] lossPositionLogits(INDArray logits, int[][] targets) {
        int ctx = (int) logits.size(1), vOut = (int) logits.size(2);
        double[] flat = logits.dup('c').reshape(logits.length()).toDoubleVector(); // one copy, not one get per row
        List<double[]> rows = new ArrayList<>();
        for (int i = 0; i < targets.length; i++) {
            for (int p = 0; p < targets[i].length; p++) {
                if (targets[i][p] != TokenBatch.NO_LOSS) {
                    int from = (i * ctx + p) * vOut;
                    rows.add(java.util.Arrays.copyOfRange(flat, from, from + vOut));
                }
            }
        }
        return rows.toArray(new double[0][]);
    }

    private static int[] correctOutputs(int[][] targets) {
        List<Integer> out = new ArrayList<>();
        for (int[] row : targets) {
            for (int y : row) {
                if (y != TokenBatch.NO_LOSS) {
                    out.add(y);
                }
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }
}
