package org.interplab.core.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Learned positional embedding: {@code W_pos[p]} added at position p. Hook {@code hook_pos_embed} [batch, pos, d_model]. */
final class PosEmbed {
    private final Run run;
    private final INDArray wPos;

    PosEmbed(Run run, INDArray wPos) {
        this.run = run;
        this.wPos = wPos;
    }

    /** {@code embedded} + W_pos[0..pos) for each sequence; {@code embedded} [batch·pos, d_model] is updated in place. */
    INDArray addTo(INDArray embedded) {
        int t = run.ctx, d = (int) wPos.size(1);
        if (t > wPos.size(0)) {
            throw new IllegalArgumentException("sequence length " + t + " exceeds n_ctx " + wPos.size(0));
        }
        INDArray pos = (t < wPos.size(0) ? wPos.get(interval(0, t), all()).dup('c') : wPos).reshape(1, (long) t * d);
        if (!run.wants("hook_pos_embed")) {
            return embedded.reshape(run.batch, (long) t * d).addiRowVector(pos).reshape(embedded.shape());
        }
        INDArray full = Nd4j.zeros(embedded.dataType(), run.batch, (long) t * d).addiRowVector(pos)
                .reshape(embedded.shape());
        return embedded.addi(run.residual("hook_pos_embed", full));
    }

    /** d W_pos: the batch's sum per position, zero beyond the sequence length. */
    void backward(INDArray dResid) {
        int t = run.ctx, d = (int) wPos.size(1);
        INDArray dPos = Gemm.columnSums(dResid.reshape(run.batch, (long) t * d)).reshape(t, d);
        if (t < wPos.size(0)) {
            INDArray full = Nd4j.zeros(dPos.dataType(), wPos.size(0), d);
            full.get(interval(0, t), all()).assign(dPos);
            dPos = full;
        }
        run.grads.put("pos_embed.W_pos", dPos);
    }
}
