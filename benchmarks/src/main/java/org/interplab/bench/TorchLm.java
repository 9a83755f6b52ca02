package org.interplab.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import org.interplab.core.task.TokenBatch;

/**
 * The LM benchmark's model on libtorch, written the way a PyTorch user would: embedding by lookup (torch's
 * embedding), LayerNorm, one merged QKV GEMM, causal softmax attention without scaling (GPT-Neo), gelu_new MLP,
 * untied unembed, cross-entropy from target indices (log_softmax + gather).
 */
final class TorchLm extends TorchModel {
    private final LmSetup setup;
    private final NDArray mask;

    TorchLm(LmSetup setup) {
        super(setup.init(), setup.training);
        this.setup = setup;
        mask = causalMask(setup.model.nCtx());
    }

    private static NDArray layerNorm(NDArray x, NDArray w, NDArray b, double eps) {
        NDArray centered = x.sub(x.mean(new int[] {-1}, true));
        NDArray var = centered.square().mean(new int[] {-1}, true);
        return centered.div(var.add((float) eps).sqrt()).mul(w).add(b);
    }

    private static NDArray geluNew(NDArray x) {
        NDArray inner = x.add(x.pow(3).mul(0.044715f)).mul((float) Math.sqrt(2 / Math.PI));
        return x.mul(inner.tanh().add(1f)).mul(0.5f);
    }

    @Override
    protected NDArray loss(NDManager sm, TokenBatch batch) {
        var m = setup.model;
        int b = batch.size(), t = batch.nCtx(), d = m.dModel(), h = m.nHeads(), dh = m.dHead(), hd = h * dh;
        double eps = m.lnEps();
        long[] tok = new long[b * t];
        long[] tgt = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int p = 0; p < t; p++) {
                tok[i * t + p] = batch.tokens()[i][p];
                tgt[i * t + p] = batch.targets()[i][p];
            }
        }
        NDArray ids = sm.create(tok, new Shape(b, t));
        NDArray wE = p("embed.W_E");
        NDArray x = wE.getNDArrayInternal().embedding(ids, wE, SparseFormat.DENSE).singletonOrThrow()
                .add(p("pos_embed.W_pos").get("0:" + t));                                          // [B,T,d]
        for (int l = 0; l < m.nLayers(); l++) {
            String bl = "blocks." + l + ".", a = bl + "attn.";
            NDArray in = layerNorm(x, p(bl + "ln1.w"), p(bl + "ln1.b"), eps);
            NDArray wQkv = merged(a + "W_Q", d, hd).concat(merged(a + "W_K", d, hd), 1)
                    .concat(merged(a + "W_V", d, hd), 1);
            NDArray bQkv = p(a + "b_Q").reshape(hd).concat(p(a + "b_K").reshape(hd))
                    .concat(p(a + "b_V").reshape(hd));
            NDArray qkv = in.matMul(wQkv).add(bQkv).reshape(b, t, 3, h, dh).transpose(2, 0, 3, 1, 4);
            NDArray q = qkv.get(0), k = qkv.get(1), v = qkv.get(2);                               // [B,H,T,dh]
            NDArray pattern = q.matMul(k.transpose(0, 1, 3, 2)).add(mask.get("0:" + t + ", 0:" + t)).softmax(-1);
            NDArray z = pattern.matMul(v).transpose(0, 2, 1, 3).reshape(b, t, hd);
            x = x.add(z.matMul(p(a + "W_O").reshape(hd, d)).add(p(a + "b_O")));
            NDArray mlpIn = layerNorm(x, p(bl + "ln2.w"), p(bl + "ln2.b"), eps);
            NDArray post = geluNew(mlpIn.matMul(p(bl + "mlp.W_in")).add(p(bl + "mlp.b_in")));
            x = x.add(post.matMul(p(bl + "mlp.W_out")).add(p(bl + "mlp.b_out")));
        }
        x = layerNorm(x, p("ln_final.w"), p("ln_final.b"), eps);
        NDArray logits = x.reshape(b * t, d).matMul(p("unembed.W_U")).add(p("unembed.b_U"));      // [N,V]
        NDArray target = sm.create(tgt, new Shape(b * t, 1)).toType(DataType.INT64, false);
        return logits.logSoftmax(-1).gather(target, 1).mean().neg();
    }
}
