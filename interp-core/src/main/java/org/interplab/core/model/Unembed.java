package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * logits = x·W_U + b_U, [batch·pos, d_vocab_out]. Tied (GPT-Neo's lm_head = wte): W_U is W_Eᵀ, one parameter, and
 * the gradient goes to {@code embed.W_E}.
 */
final class Unembed implements Layer {
    private final Run run;
    private final INDArray wU;
    private final INDArray bU;
    private final boolean tied;
    private INDArray x;

    /** {@code wU} is W_U [d_model, d_vocab_out], or W_E [d_vocab, d_model] when tied. */
    Unembed(Run run, INDArray wU, INDArray bU, boolean tied) {
        this.run = run;
        this.wU = tied ? wU.transpose() : wU;
        this.bU = bU;
        this.tied = tied;
    }

    @Override
    public INDArray forward(INDArray x) {
        this.x = x;
        return x.mmul(wU).addiRowVector(bU);
    }

    @Override
    public INDArray backward(INDArray dLogits) {
        if (tied) {
            run.grads.put("embed.W_E", dLogits.transpose().mmul(x)); // Embed adds its scatter to this
        } else {
            run.grads.put("unembed.W_U", x.transpose().mmul(dLogits));
        }
        run.grads.put("unembed.b_U", dLogits.sum(0));
        return dLogits.mmul(wU.transpose());
    }
}
