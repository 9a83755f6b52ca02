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
    /** Whether this pass's forward computed only the rows of positions ≥ run.outFrom (the last block's option). */
    private boolean tailOnly;

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
        return forward(x, false);
    }

    /**
     * With {@code tailOnly} (the last block of a pass with {@link Run#outFrom} &gt; 0 and no hooks): keys and values
     * from every position, but the output only for positions ≥ outFrom, [batch·(pos − outFrom), d_model].
     */
    INDArray forward(INDArray x, boolean tailOnly) {
        this.tailOnly = tailOnly && run.outFrom > 0;
        x = run.residual(name + ".hook_resid_pre", x);
        INDArray attnOut = run.residual(name + ".hook_attn_out", attn.forward(ln1.forward(x), this.tailOnly));
        x = this.tailOnly ? run.tailPlus(x, attnOut) : x.add(attnOut);
        if (mlp != null) {
            x = run.residual(name + ".hook_resid_mid", x);
            x = x.add(run.residual(name + ".hook_mlp_out", mlp.forward(ln2.forward(x))));
        }
        return run.residual(name + ".hook_resid_post", x);
    }

    /** dx of the output rows forward returned; returns dx of its input (every position). */
    INDArray backward(INDArray dx) {
        if (mlp != null) {
            dx = dx.add(ln2.backward(mlp.backward(dx)));
        }
        INDArray dIn = ln1.backward(attn.backward(dx));
        return tailOnly ? run.addTail(dIn, dx) : dx.add(dIn);
    }
}
