package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * logits = x·W_U + b_U, [batch·pos, d_vocab_out]. Tied (GPT-Neo's lm_head = wte): W_U is W_Eᵀ, one parameter, and
 * the gradient goes to {@code embed.W_E}.
 *
 * <p>Every product is one BLAS GEMM written straight into a row-major (c-order) result with the transposes as GEMM
 * flags: {@code INDArray.mmul} into a c-order [tokens, 50 257] result computes it column-major and then copies it
 * transposed, which cost ≈ 10× the GEMM itself for an LM (measured: docs/benchmarks.md). The bias gradient is a
 * GEMV (1ᵀ·dLogits), not a column reduction, for the same reason.
 */
final class Unembed implements Layer {
    private final Run run;
    /** W_U [d_model, d_vocab_out], or W_E [d_vocab, d_model] when tied. */
    private final INDArray w;
    private final INDArray bU;
    private final boolean tied;
    private INDArray x;

    Unembed(Run run, INDArray w, INDArray bU, boolean tied) {
        this.run = run;
        this.w = w;
        this.bU = bU;
        this.tied = tied;
    }

    private int vocabOut() {
        return (int) (tied ? w.size(0) : w.size(1));
    }

    @Override
    public INDArray forward(INDArray x) {
        this.x = x;
        return Gemm.mm(x, false, w, tied).addiRowVector(bU);
    }

    @Override
    public INDArray backward(INDArray dLogits) {
        return backward(dLogits, null);
    }

    /**
     * As {@link #backward(INDArray)}, with the bias gradient (the column sums of dLogits) already computed, as the
     * fused {@link CrossEntropy} pass does; {@code null}: computed here.
     */
    INDArray backward(INDArray dLogits, INDArray dBias) {
        long n = dLogits.size(0), d = x.size(1);
        if (tied) {
            INDArray dWE = Nd4j.createUninitialized(x.dataType(), vocabOut(), d);
            run.grads.put("embed.W_E", Nd4j.gemm(dLogits, x, dWE, true, false, 1.0, 0.0)); // Embed adds its scatter
        } else {
            INDArray dWU = Nd4j.createUninitialized(x.dataType(), d, vocabOut());
            run.grads.put("unembed.W_U", Nd4j.gemm(x, dLogits, dWU, true, false, 1.0, 0.0));
        }
        run.grads.put("unembed.b_U", dBias != null ? dBias : Gemm.columnSums(dLogits));
        INDArray dx = Nd4j.createUninitialized(x.dataType(), n, d);
        return Nd4j.gemm(dLogits, w, dx, false, !tied, 1.0, 0.0);
    }
}
