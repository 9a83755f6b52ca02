package org.interplab.core.circuits;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelKind;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskShapes;
import org.interplab.core.model.ModelRegistry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The QK and OV circuits of a TransformerLens-named transformer, read directly off its weights (Elhage et al.,
 * "A Mathematical Framework for Transformer Circuits"). Every circuit is computed from its low-rank factors:
 * tokens are first projected to d_head, so no d_model × d_model or vocab × d_model product is formed twice.
 *
 * <p>Circuits use the weights as stored: for a LayerNorm model they ignore the norm's scale (fold it into the
 * weights first for exact numbers). Biases b_Q, b_K, b_V, b_U are optional (absent = zero) because some imports
 * have none; the weight matrices are required.
 */
public final class TransformerCircuits {
    /** A table larger than this many cells is refused (a 50257-token vocabulary cannot be shown token × token). */
    public static final long MAX_TABLE_CELLS = 4_000_000L;

    private final Map<String, INDArray> weights;
    private final ExperimentSpec spec;
    private final int nLayers, nHeads, dHead, dModel, nCtx, dVocab, dVocabOut;
    private final double scale;
    private final DataType dtype;
    private final List<String> inputLabels;
    private final List<String> outputLabels;

    /** The token and position whose attention the {@code scores_readoff} table shows. */
    public record Readoff(int token, int position, String reason) {
    }

    public TransformerCircuits(Map<String, INDArray> weights, ExperimentSpec spec) {
        validate(weights, spec);
        ModelSpec m = spec.model();
        this.weights = weights;
        this.spec = spec;
        this.nLayers = m.nLayers();
        this.nHeads = m.nHeads();
        this.dHead = m.dHead();
        this.dModel = m.dModel();
        this.nCtx = m.nCtx();
        this.dVocab = m.dVocab();
        this.dVocabOut = dVocabOut(m);
        // TransformerLens' default is use_attn_scale=True; GPT-Neo imports set it to false.
        this.scale = Boolean.FALSE.equals(m.useAttnScale()) ? 1.0 : 1.0 / Math.sqrt(dHead);
        this.dtype = weights.get("embed.W_E").dataType();
        TaskShapes.Shape shape = spec.task() == null ? null : TaskShapes.of(spec.task());
        this.inputLabels = shape != null && shape.inputTokens().size() == dVocab ? shape.inputTokens() : numbered(dVocab);
        this.outputLabels = shape != null && shape.outputTokens().size() == dVocabOut
                ? shape.outputTokens() : numbered(dVocabOut);
    }

    private static int dVocabOut(ModelSpec m) {
        return m.dVocabOut() == null ? m.dVocab() : m.dVocabOut();
    }

    /**
     * Checks that the attention weights an analysis needs are present with the shapes the spec implies.
     *
     * @throws IllegalArgumentException naming the tensor and both shapes
     */
    public static void validate(Map<String, INDArray> weights, ExperimentSpec spec) {
        if (spec == null || spec.model() == null) {
            throw new IllegalArgumentException("a transformer spec is required to analyse circuits");
        }
        ModelSpec m = spec.model();
        if (ModelKind.of(m.kind()).orElse(null) != ModelKind.TRANSFORMER) {
            throw new IllegalArgumentException("circuit tables need a transformer, the spec's model is '" + m.kind() + "'");
        }
        String[] fields = {"nLayers", "nHeads", "dHead", "dModel", "nCtx", "dVocab"};
        Integer[] values = {m.nLayers(), m.nHeads(), m.dHead(), m.dModel(), m.nCtx(), m.dVocab()};
        for (int i = 0; i < fields.length; i++) {
            ModelRegistry.requirePositive(fields[i], values[i]);
        }
        long dm = m.dModel(), nh = m.nHeads(), dh = m.dHead();
        ModelRegistry.requireTensor(weights, "embed.W_E", true, m.dVocab(), dm);
        ModelRegistry.requireTensor(weights, "pos_embed.W_pos", true, m.nCtx(), dm);
        ModelRegistry.requireTensor(weights, "unembed.W_U", true, dm, dVocabOut(m));
        ModelRegistry.requireTensor(weights, "unembed.b_U", false, dVocabOut(m));
        for (int l = 0; l < m.nLayers(); l++) {
            String p = "blocks." + l + ".attn.";
            for (String w : new String[] {"W_Q", "W_K", "W_V"}) {
                ModelRegistry.requireTensor(weights, p + w, true, nh, dm, dh);
            }
            ModelRegistry.requireTensor(weights, p + "W_O", true, nh, dh, dm);
            for (String b : new String[] {"b_Q", "b_K", "b_V"}) {
                ModelRegistry.requireTensor(weights, p + b, false, nh, dh);
            }
            ModelRegistry.requireTensor(weights, p + "b_O", false, dm);
        }
    }

    public static String head(int layer, int head) {
        return "L" + layer + "H" + head;
    }

    public int nLayers() {
        return nLayers;
    }

    public int nHeads() {
        return nHeads;
    }

    public List<String> inputLabels() {
        return inputLabels;
    }

    public List<String> outputLabels() {
        return outputLabels;
    }

    public boolean hasLayerNorm() {
        return "LN".equalsIgnoreCase(spec.model().normalization());
    }

    // ---- factors -------------------------------------------------------------------------------------------------

    private INDArray tensor(String name) {
        INDArray w = weights.get(name);
        return w == null || w.dataType() == dtype ? w : w.castTo(dtype);
    }

    private INDArray headSlice(int layer, String name, int head) {
        return tensor("blocks." + layer + ".attn." + name).get(point(head), all(), all());
    }

    /** {@code x W[h] + b[h]} for rows x; b absent = zero. */
    private INDArray project(INDArray x, int layer, String w, String b, int head) {
        INDArray out = x.mmul(headSlice(layer, w, head));
        INDArray bias = tensor("blocks." + layer + ".attn." + b);
        return bias == null ? out : out.addiRowVector(bias.getRow(head));
    }

    private INDArray embed() {
        return tensor("embed.W_E");
    }

    private INDArray positions(int count) {
        return tensor("pos_embed.W_pos").get(interval(0, count), all());
    }

    /** W_E W_Q[h] + b_Q[h]: [d_vocab, d_head]. */
    INDArray queryTokens(int layer, int head) {
        return project(embed(), layer, "W_Q", "b_Q", head);
    }

    INDArray keyTokens(int layer, int head) {
        return project(embed(), layer, "W_K", "b_K", head);
    }

    /** Token-by-token QK circuit, rows query token, columns key token, scaled like the model's scores. */
    INDArray eqkeMatrix(int layer, int head) {
        checkSize("EQKE", dVocab, dVocab);
        return queryTokens(layer, head).mmul(keyTokens(layer, head).transpose()).muli(scale);
    }

    INDArray eqkePosMatrix(int layer, int head) {
        checkSize("EQKE_pos", dVocab, nCtx);
        INDArray keys = project(positions(nCtx), layer, "W_K", "b_K", head);
        return queryTokens(layer, head).mmul(keys.transpose()).muli(scale);
    }

    /** (W_E W_V[h] + b_V[h]) W_O[h] W_U: what the head adds to the logits when it attends fully to a token. */
    INDArray evouMatrix(int layer, int head) {
        checkSize("EVOU", dVocab, dVocabOut);
        INDArray ou = headSlice(layer, "W_O", head).mmul(tensor("unembed.W_U")); // [d_head, d_vocab_out]
        return project(embed(), layer, "W_V", "b_V", head).mmul(ou);
    }

    private void checkSize(String kind, long rows, long cols) {
        if (rows * cols > MAX_TABLE_CELLS) {
            throw new IllegalArgumentException(kind + " would have " + rows + " × " + cols + " cells, more than the "
                    + MAX_TABLE_CELLS + " a table may hold");
        }
    }

    // ---- tables --------------------------------------------------------------------------------------------------

    public CircuitTable eqke(int layer, int head) {
        String h = head(layer, head);
        return new CircuitTable("EQKE." + h, "EQKE", "EQKE " + h + ": query token × key token",
                "Pre-softmax attention score between token embeddings, (W_E W_Q + b_Q)(W_E W_K + b_K)ᵀ"
                        + scaleNote() + ", positional embeddings left out." + lnNote(),
                "query token", "key token", inputLabels, inputLabels, eqkeMatrix(layer, head).toDoubleMatrix());
    }

    public CircuitTable eqkePos(int layer, int head) {
        String h = head(layer, head);
        return new CircuitTable("EQKE_pos." + h, "EQKE_pos", "EQKE_pos " + h + ": query token × key position",
                "Pre-softmax score between a query token's embedding and a key position's embedding, "
                        + "(W_E W_Q + b_Q)(W_pos W_K + b_K)ᵀ" + scaleNote() + "." + lnNote(),
                "query token", "key position", inputLabels, numbered(nCtx), eqkePosMatrix(layer, head).toDoubleMatrix());
    }

    public CircuitTable evou(int layer, int head) {
        String h = head(layer, head);
        return new CircuitTable("EVOU." + h, "EVOU", "EVOU " + h + ": input token → output logits",
                "The head's contribution to the logits when it attends entirely to a token: "
                        + "(W_E W_V + b_V) W_O W_U (b_O and b_U are shared by all heads and left out)." + lnNote(),
                "attended token", "output token", inputLabels, outputLabels, evouMatrix(layer, head).toDoubleMatrix());
    }

    /** The direct path W_E W_U + b_U (the bigram table of a 1-layer model), rows input, columns output tokens. */
    public CircuitTable directPath() {
        checkSize("EU", dVocab, dVocabOut);
        INDArray eu = embed().mmul(tensor("unembed.W_U"));
        INDArray bu = tensor("unembed.b_U");
        if (bu != null) {
            eu.addiRowVector(bu);
        }
        return new CircuitTable("EU", "EU", "EU: direct path, input token → output logits",
                "W_E W_U + b_U: what the residual stream's token embedding alone contributes to the logits."
                        + lnNote(), "input token", "output token", inputLabels, outputLabels, eu.toDoubleMatrix());
    }

    /**
     * The token and position the task reads its answer off, or null for tasks without one:
     * <ul>
     *   <li>xor: Q at position 2 (the strings are A|B, C|D, Q; the answer follows Q);</li>
     *   <li>ov-coherent: the readoff token 0 at the last position;</li>
     *   <li>addition: '=' at the last position. No single token sits at the last input position of every example
     *       (it holds an answer digit), so we use '=', the separator that marks where answers are read off;
     *       position embeddings carry the "last position" part.</li>
     * </ul>
     */
    public Readoff readoff() {
        if (spec.task() == null) {
            return null;
        }
        TaskShapes.Shape shape = TaskShapes.of(spec.task());
        if (shape == null || shape.inputTokens().size() != dVocab) {
            return null;
        }
        int last = Math.min(shape.nCtx(), nCtx) - 1;
        return switch (spec.task().kind()) {
            case "xor" -> new Readoff(shape.inputTokens().indexOf("Q"), last, "Q at the last position");
            case "ov-coherent" -> new Readoff(0, last, "the readoff token R (0) at the last position");
            case "addition" -> new Readoff(shape.inputTokens().indexOf("="), last,
                    "'=' at the last position (a convention: the last input position holds an answer digit)");
            default -> null;
        };
    }

    /**
     * The full pre-softmax score of layer-0 head {@code head} from the readoff token at the readoff position to
     * every (key token, key position) pair on the causal side, computed on W_E[t] + W_pos[p] — exact for layer 0
     * of a model without LayerNorm. Rows key token, columns key position.
     */
    public CircuitTable scoresReadoff(int head) {
        Readoff readoff = readoff();
        if (readoff == null) {
            throw new IllegalStateException("task " + (spec.task() == null ? null : spec.task().kind())
                    + " has no readoff token");
        }
        if (hasLayerNorm()) {
            throw new IllegalStateException("scores on raw embeddings are not the model's scores under LayerNorm");
        }
        int keyPositions = readoff.position() + 1;
        checkSize("scores_readoff", dVocab, keyPositions);
        INDArray x = embed().getRow(readoff.token()).add(tensor("pos_embed.W_pos").getRow(readoff.position()))
                .reshape(1, dModel);
        INDArray q = project(x, 0, "W_Q", "b_Q", head);                                   // [1, d_head]
        // x_{t,p} W_K + b_K = (W_E W_K)[t] + (W_pos W_K)[p] + b_K, so the score splits into three terms.
        INDArray tokenTerm = embed().mmul(headSlice(0, "W_K", head)).mmul(q.transpose());   // [d_vocab, 1]
        INDArray positionTerm = positions(keyPositions).mmul(headSlice(0, "W_K", head)).mmul(q.transpose());
        INDArray bK = tensor("blocks.0.attn.b_K");
        double biasTerm = bK == null ? 0 : bK.getRow(head).reshape(1, dHead).mmul(q.transpose()).getDouble(0);
        double[] t = tokenTerm.reshape(dVocab).toDoubleVector();
        double[] p = positionTerm.reshape(keyPositions).toDoubleVector();
        double[][] scores = new double[dVocab][keyPositions];
        for (int i = 0; i < dVocab; i++) {
            for (int j = 0; j < keyPositions; j++) {
                scores[i][j] = (t[i] + p[j] + biasTerm) * scale;
            }
        }
        String h = head(0, head);
        return new CircuitTable("scores_readoff." + h, "scores_readoff",
                "Attention score of " + h + " from " + inputLabels.get(readoff.token()) + " at position "
                        + readoff.position() + " to each key token and position",
                "Full pre-softmax score (x_q W_Q + b_Q)(x_k W_K + b_K)ᵀ" + scaleNote() + " with x = W_E[token] + "
                        + "W_pos[position]; query: " + readoff.reason() + ". Rows are the token attended to.",
                "key token", "key position", inputLabels, numbered(keyPositions), scores);
    }

    private String scaleNote() {
        return scale == 1.0 ? "" : " / √d_head";
    }

    private String lnNote() {
        return hasLayerNorm() ? " LayerNorm is not applied (fold it into the weights for exact values)." : "";
    }

    static List<String> numbered(int n) {
        List<String> labels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            labels.add(String.valueOf(i));
        }
        return labels;
    }
}
