package org.interplab.core.circuits;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Seed 001 §1's pictures of heads with d_head = 2: every layer-0 input r = W_E[t] + W_pos[p] projected through a
 * head's W_Q, W_K or W_V (plus its bias), r·W[h] + b[h], a point in the plane. Exact for layer 0 without
 * LayerNorm; with LayerNorm the points leave ln1 out.
 */
public final class HeadProjections {
    public static final List<String> MATRICES = List.of("Q", "K", "V");

    private HeadProjections() {
    }

    /**
     * The table {@code proj_Q.L0H3} (matrix "Q", "K" or "V"): rows {@code "t@p"} for every token t and position p
     * (token-major: all positions of token 0 first), columns x and y.
     */
    public static CircuitTable table(Map<String, INDArray> weights, List<String> tokenLabels, int head,
                                     String matrix, boolean layerNorm) {
        if (!MATRICES.contains(matrix)) {
            throw new IllegalArgumentException("matrix must be one of " + MATRICES + ", is " + matrix);
        }
        INDArray wE = weights.get("embed.W_E").castTo(DataType.DOUBLE);
        INDArray wPos = weights.get("pos_embed.W_pos").castTo(DataType.DOUBLE);
        INDArray w = weights.get("blocks.0.attn.W_" + matrix).castTo(DataType.DOUBLE);
        if (w.size(2) != 2) {
            throw new IllegalArgumentException("2-D projections need d_head = 2, blocks.0.attn.W_" + matrix
                    + " has d_head " + w.size(2));
        }
        INDArray b = weights.get("blocks.0.attn.b_" + matrix);
        int dVocab = (int) wE.size(0), nCtx = (int) wPos.size(0);
        if ((long) dVocab * nCtx * 2 > TransformerCircuits.MAX_TABLE_CELLS) {
            throw new IllegalArgumentException("proj_" + matrix + " would have " + dVocab + " × " + nCtx
                    + " rows, more than a table may hold");
        }
        INDArray wh = w.get(point(head), all(), all());
        // (W_E[t] + W_pos[p]) W + b = W_E[t] W + (W_pos[p] W + b): two small products instead of d_vocab·n_ctx.
        double[][] tok = wE.mmul(wh).toDoubleMatrix();
        INDArray posProj = wPos.mmul(wh);
        if (b != null) {
            posProj.addiRowVector(b.castTo(DataType.DOUBLE).getRow(head));
        }
        double[][] pos = posProj.toDoubleMatrix();
        List<String> rows = new ArrayList<>(dVocab * nCtx);
        double[][] values = new double[dVocab * nCtx][];
        for (int t = 0; t < dVocab; t++) {
            for (int p = 0; p < nCtx; p++) {
                rows.add(tokenLabels.get(t) + "@" + p);
                values[t * nCtx + p] = new double[] {tok[t][0] + pos[p][0], tok[t][1] + pos[p][1]};
            }
        }
        String h = TransformerCircuits.head(0, head);
        return new CircuitTable("proj_" + matrix + "." + h, "proj_" + matrix,
                "W_" + matrix + " projection of " + h + ": token@position → plane",
                "(W_E[t] + W_pos[p]) W_" + matrix + "[h] + b_" + matrix + "[h] for every token t and position p "
                        + "(d_head = 2, so each input is a point)."
                        + (layerNorm ? " LayerNorm ln1 is not applied." : ""),
                "token@position", "coordinate", rows, List.of("x", "y"), values);
    }
}
