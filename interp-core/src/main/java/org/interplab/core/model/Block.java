package org.interplab.core.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One transformer block, pre-norm: {@code x = x + attn(ln1(x)); x = x + mlp(ln2(x))} (no MLP when attention-only;
 * ln = identity without normalization). Hooks {@code blocks.l.hook_resid_pre}, {@code hook_attn_out},
 * {@code hook_resid_mid} and {@code hook_mlp_out} (with an MLP), {@code hook_resid_post}, all [batch, pos, d_model].
 */
final class Block {
    private final Run run;
    private final String name;
    private final Layer ln1;
    private final Attention attn;
    private final Layer ln2;
    private final Mlp mlp;

    Block(Run run, int layer, Map<String, INDArray> params, Transformer.Config cfg) {
        this.run = run;
        this.name = "blocks." + layer;
        this.ln1 = norm(run, name + ".ln1", params, cfg);
        this.attn = new Attention(run, name + ".attn", params, cfg, cfg.windowOf(layer));
        this.ln2 = cfg.attnOnly() ? null : norm(run, name + ".ln2", params, cfg);
        this.mlp = cfg.attnOnly() ? null : new Mlp(run, name + ".mlp", params, cfg.act());
    }

    static Layer norm(Run run, String name, Map<String, INDArray> params, Transformer.Config cfg) {
        return cfg.layerNorm() ? new LayerNorm(run, name, params.get(name + ".w"), params.get(name + ".b"),
                cfg.lnEps()) : Layer.IDENTITY;
    }

    INDArray forward(INDArray x) {
        x = run.residual(name + ".hook_resid_pre", x);
        x = x.add(run.residual(name + ".hook_attn_out", attn.forward(ln1.forward(x))));
        if (mlp != null) {
            x = run.residual(name + ".hook_resid_mid", x);
            x = x.add(run.residual(name + ".hook_mlp_out", mlp.forward(ln2.forward(x))));
        }
        return run.residual(name + ".hook_resid_post", x);
    }

    INDArray backward(INDArray dx) {
        if (mlp != null) {
            dx = dx.add(ln2.backward(mlp.backward(dx)));
        }
        return dx.add(ln1.backward(attn.backward(dx)));
    }
}
