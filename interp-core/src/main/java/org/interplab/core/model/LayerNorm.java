package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** LayerNorm over d_model: y = (x − mean)/√(var + eps)·w + b (TransformerLens {@code ln1}, {@code ln2}, {@code ln_final}). */
final class LayerNorm implements Layer {
    private final Run run;
    private final String name;
    private final INDArray w;
    private final INDArray b;
    private final double eps;
    private INDArray xhat;
    private INDArray invStd;

    /** {@code name} is the parameter prefix, e.g. {@code blocks.0.ln1}, holding {@code .w} and {@code .b}. */
    LayerNorm(Run run, String name, INDArray w, INDArray b, double eps) {
        this.run = run;
        this.name = name;
        this.w = w;
        this.b = b;
        this.eps = eps;
    }

    @Override
    public INDArray forward(INDArray x) {
        INDArray centered = x.subColumnVector(x.mean(true, 1));
        INDArray var = centered.mul(centered).mean(true, 1);
        invStd = Transforms.pow(var.addi(eps), -0.5, false);
        xhat = centered.muliColumnVector(invStd);
        return xhat.mulRowVector(w).addiRowVector(b);
    }

    @Override
    public INDArray backward(INDArray dy) {
        run.grads.put(name + ".w", Gemm.columnSums(dy.mul(xhat)));
        run.grads.put(name + ".b", Gemm.columnSums(dy));
        INDArray dxhat = dy.mulRowVector(w);
        INDArray meanD = dxhat.mean(true, 1);
        INDArray meanDx = dxhat.mul(xhat).mean(true, 1);
        return dxhat.subiColumnVector(meanD).subi(xhat.mulColumnVector(meanDx)).muliColumnVector(invStd);
    }
}
