package org.interplab.core.model;

import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The block's MLP: pre = x·W_in + b_in, post = act(pre), out = post·W_out + b_out. Hooks {@code mlp.hook_pre} and
 * {@code mlp.hook_post} [batch, pos, d_mlp].
 */
final class Mlp implements Layer {
    private final Run run;
    private final String name;
    private final Map<String, INDArray> params;
    private final Activation act;
    private INDArray x;
    private INDArray pre;
    private INDArray post;

    /** {@code name} is the block's MLP prefix, e.g. {@code blocks.0.mlp}. */
    Mlp(Run run, String name, Map<String, INDArray> params, Activation act) {
        this.run = run;
        this.name = name;
        this.params = params;
        this.act = act;
    }

    private INDArray p(String leaf) {
        return params.get(name + "." + leaf);
    }

    @Override
    public INDArray forward(INDArray x) {
        this.x = x;
        pre = run.residual(name + ".hook_pre", Gemm.mm(x, p("W_in")).addiRowVector(p("b_in")));
        post = run.residual(name + ".hook_post", act.apply(pre));
        return Gemm.mm(post, p("W_out")).addiRowVector(p("b_out"));
    }

    @Override
    public INDArray backward(INDArray dOut) {
        run.grads.put(name + ".W_out", Gemm.mm(post, true, dOut, false));
        run.grads.put(name + ".b_out", Gemm.columnSums(dOut));
        INDArray dPre = Gemm.mm(dOut, false, p("W_out"), true).muli(act.derivative(pre));
        run.grads.put(name + ".W_in", Gemm.mm(x, true, dPre, false));
        run.grads.put(name + ".b_in", Gemm.columnSums(dPre));
        return Gemm.mm(dPre, false, p("W_in"), true);
    }
}
