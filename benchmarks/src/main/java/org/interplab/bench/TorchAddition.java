package org.interplab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Map;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The addition model on libtorch: parameters in TransformerLens shapes, merged into one QKV matrix per step exactly
 * like interp-core's Transformer; embedding by one-hot matmul like interp-core.
 */
final class TorchAddition extends TorchModel {
    private final Transformer.Config cfg;
    private final NDArray mask;
    private final int firstAnswer;
    private final int nAnswer;

    TorchAddition(AdditionSetup setup, Map<String, INDArray> init) {
        super(init, setup.spec.training());
        cfg = setup.cfg;
        mask = causalMask(cfg.nCtx());
        firstAnswer = setup.task.firstAnswerPosition();
        nAnswer = setup.task.nDigits() + 1;
    }

    /** Mean cross-entropy over the answer positions (the same loss as interp-core's). */
    @Override
    protected NDArray loss(NDManager sm, TokenBatch batch) {
        int b = batch.size(), t = batch.nCtx(), d = cfg.dModel(), h = cfg.nHeads(), dh = cfg.dHead();
        int hd = h * dh;
        int[] tok = new int[b * t];
        int[] tgt = new int[b * nAnswer];
        for (int i = 0; i < b; i++) {
            System.arraycopy(batch.tokens()[i], 0, tok, i * t, t);
            for (int j = 0; j < nAnswer; j++) {
                tgt[i * nAnswer + j] = batch.targets()[i][firstAnswer + j];
            }
        }
        NDArray oneHot = sm.create(tok, new Shape(b, t)).oneHot(cfg.dVocab());
        NDArray resid = oneHot.matMul(p("embed.W_E")).add(p("pos_embed.W_pos"));                  // [B,T,d]
        String a = "blocks.0.attn.";
        NDArray wQkv = merged(a + "W_Q", d, hd).concat(merged(a + "W_K", d, hd), 1)
                .concat(merged(a + "W_V", d, hd), 1);                                              // [d,3hd]
        NDArray bQkv = p(a + "b_Q").reshape(hd).concat(p(a + "b_K").reshape(hd)).concat(p(a + "b_V").reshape(hd));
        NDArray qkv = resid.matMul(wQkv).add(bQkv).reshape(b, t, 3, h, dh).transpose(2, 0, 3, 1, 4);
        NDArray q = qkv.get(0), k = qkv.get(1), v = qkv.get(2);                                   // [B,H,T,dh]
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).mul((float) (1.0 / Math.sqrt(dh))).add(mask);
        NDArray pattern = scores.softmax(-1);
        NDArray z = pattern.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, hd);
        resid = resid.add(z.matMul(p(a + "W_O").reshape(hd, d)).add(p(a + "b_O")));
        NDArray logits = resid.matMul(p("unembed.W_U")).add(p("unembed.b_U"));                    // [B,T,V]
        NDArray answer = logits.get(":, " + firstAnswer + ":" + (firstAnswer + nAnswer) + ", :");
        NDArray target = sm.create(tgt, new Shape(b, nAnswer)).oneHot(cfg.dVocabOut());
        return answer.logSoftmax(-1).mul(target).sum().neg().div(b * nAnswer);
    }
}
