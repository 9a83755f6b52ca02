package org.interplab.core.model;

import org.interplab.core.model.kernels.HostOps;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Token embedding by gather: row {@code W_E[token]} for each position, [batch·pos, d_model] (no one-hot matmul).
 * Backward scatter-adds each position's gradient into its token's row of d W_E [d_vocab, d_model] (repeated tokens
 * accumulate). Hook {@code hook_embed}.
 */
final class Embed {
    private final Run run;
    private final INDArray wE;
    private int[] flat;

    Embed(Run run, INDArray wE) {
        this.run = run;
        this.wE = wE;
    }

    INDArray forward(int[][] tokens) {
        int vocab = (int) wE.size(0);
        flat = new int[run.batch * run.ctx];
        for (int i = 0; i < run.batch; i++) {
            if (tokens[i].length != run.ctx) {
                throw new IllegalArgumentException("sequence " + i + " has length " + tokens[i].length + ", not "
                        + run.ctx);
            }
            for (int p = 0; p < run.ctx; p++) {
                int tok = tokens[i][p];
                if (tok < 0 || tok >= vocab) {
                    throw new IllegalArgumentException("token " + tok + " outside vocabulary of " + vocab);
                }
                flat[i * run.ctx + p] = tok;
            }
        }
        return run.residual("hook_embed", Nd4j.pullRows(wE, 1, flat));
    }

    void backward(INDArray dOut) {
        INDArray g = run.grads.get("embed.W_E"); // the tied unembedding's gradient, when there is one
        if (g == null) {
            g = Nd4j.zeros(wE.dataType(), wE.shape());
            run.grads.put("embed.W_E", g);
        }
        scatterAddRows(g, flat, dOut);
    }

    /**
     * target[rows[r]] += src[r] for every row r of src [n, d]; target [V, d] c-order. On host arrays one Java pass
     * ({@link HostOps#scatterAddRows}); elsewhere (e.g. the CUDA backend) as the GEMM target += onehot(rows)ᵀ·src.
     */
    static void scatterAddRows(INDArray target, int[] rows, INDArray src) {
        if (HostOps.supports(target, src)) {
            HostOps.scatterAddRows(target, rows, src);
            return;
        }
        INDArray oneHot = Nd4j.zeros(src.dataType(), rows.length, target.size(0));
        for (int r = 0; r < rows.length; r++) {
            oneHot.putScalar(r, rows[r], 1.0);
        }
        Nd4j.gemm(oneHot, src, target, true, false, 1.0, 1.0);
    }
}
