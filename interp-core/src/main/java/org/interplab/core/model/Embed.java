package org.interplab.core.model;

import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
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

    /** target[rows[r]] += src[r] for every row r of src [n, d]; target [V, d] c-order. */
    static void scatterAddRows(INDArray target, int[] rows, INDArray src) {
        int d = (int) src.size(1);
        if (!Shape.hasDefaultStridesForShape(src) || src.offset() != 0 || src.data().length() != src.length()) {
            src = src.dup('c');
        }
        double[] s = src.data().asDouble();
        // sum each distinct token's rows in Java, then touch the target once per distinct token
        int[] slot = new int[(int) target.size(0)];
        int[] distinct = new int[rows.length];
        int nDistinct = 0;
        double[] acc = new double[rows.length * d];
        for (int r = 0; r < rows.length; r++) {
            int tok = rows[r];
            int k = slot[tok] - 1;
            if (k < 0) {
                k = nDistinct++;
                slot[tok] = k + 1;
                distinct[k] = tok;
            }
            int from = r * d, to = k * d;
            for (int j = 0; j < d; j++) {
                acc[to + j] += s[from + j];
            }
        }
        DataBuffer buf = target.data();
        long base = target.offset();
        for (int k = 0; k < nDistinct; k++) {
            long row = base + (long) distinct[k] * d;
            for (int j = 0; j < d; j++) {
                buf.put(row + j, buf.getDouble(row + j) + acc[k * d + j]);
            }
        }
    }
}
