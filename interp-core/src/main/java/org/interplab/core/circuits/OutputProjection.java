package org.interplab.core.circuits;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@code proj_O} beside {@link HeadProjections}' proj_Q/K/V (seed 001 §1 projects Q, K, V and O) for d_head = 2:
 * every output token u as a point of the head's 2-D value plane, W_O[h]·W_U[:, u]. A head whose z (the pattern-
 * weighted proj_V points) is z raises the logit of u by z·proj_O(u), so the direction of proj_O(u) is the one that
 * writes u: reading proj_V and proj_O side by side is the head's OV circuit in the plane. A tied model's W_U is
 * W_Eᵀ. Exact for the direct path without the final LayerNorm (ln_final is not applied).
 */
public final class OutputProjection {
    private OutputProjection() {
    }

    public static CircuitTable table(Map<String, INDArray> weights, List<String> outputLabels, int head,
                                     boolean layerNorm) {
        INDArray wO = weights.get("blocks.0.attn.W_O").castTo(DataType.DOUBLE);
        if (wO.size(1) != 2) {
            throw new IllegalArgumentException("2-D projections need d_head = 2, blocks.0.attn.W_O has d_head "
                    + wO.size(1));
        }
        INDArray wU = weights.containsKey("unembed.W_U") ? weights.get("unembed.W_U").castTo(DataType.DOUBLE)
                : weights.get("embed.W_E").castTo(DataType.DOUBLE).transpose();
        double[][] points = wO.get(point(head), all(), all()).mmul(wU).transpose().toDoubleMatrix();
        String h = TransformerCircuits.head(0, head);
        return new CircuitTable("proj_O." + h, "proj_O", "W_O projection of " + h + ": output token → plane",
                "W_O[h]·W_U[:, u] for every output token u: the direction of the head's 2-D value space (d_head = 2) "
                        + "that raises u's logit; z·proj_O(u) is the head's direct logit contribution to u from z."
                        + (layerNorm ? " LayerNorm ln_final is not applied." : ""),
                "output token", "coordinate", outputLabels.subList(0, points.length), List.of("x", "y"), points);
    }
}
