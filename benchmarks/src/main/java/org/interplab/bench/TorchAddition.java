package org.interplab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The same addition model on libtorch through DJL: eager NDArray ops, autograd (GradientCollector) and DJL's
 * AdamW (libtorch's fused adam update). Parameters in TransformerLens shapes, merged into one QKV matrix per step
 * exactly like interp-core's Transformer; embedding by one-hot matmul like interp-core.
 */
final class TorchAddition implements AutoCloseable {
    private final Transformer.Config cfg;
    private final NDManager root;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Optimizer optimizer;
    private final NDArray mask;
    private final int firstAnswer;
    private final int nAnswer;

    TorchAddition(AdditionSetup setup, Map<String, INDArray> init) {
        cfg = setup.cfg;
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        init.forEach((name, w) -> {
            NDArray p = root.create(w.dup('c').data().asFloat(), new Shape(w.shape()));
            p.setRequiresGradient(true);
            params.put(name, p);
        });
        var t = setup.spec.training();
        optimizer = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(t.lr().floatValue()))
                .optBeta1(t.beta1().floatValue()).optBeta2(t.beta2().floatValue())
                .optWeightDecays(t.weightDecay().floatValue()).optEpsilon(1e-8f).build();
        int tt = cfg.nCtx();
        float[] m = new float[tt * tt];
        for (int q = 0; q < tt; q++) {
            for (int k = q + 1; k < tt; k++) {
                m[q * tt + k] = -1e9f;
            }
        }
        mask = root.create(m, new Shape(tt, tt));
        firstAnswer = setup.task.firstAnswerPosition();
        nAnswer = setup.task.nDigits() + 1;
    }

    static int threads() {
        return JniUtils.getNumThreads();
    }

    private NDArray p(String name) {
        return params.get(name);
    }

    private NDArray merged(String name, int d, int hd) {
        return p(name).transpose(1, 0, 2).reshape(d, hd);
    }

    /** Mean cross-entropy over the answer positions (the same loss as interp-core's). */
    private NDArray loss(NDManager sm, TokenBatch batch) {
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

    double step(TokenBatch batch) {
        double loss;
        try (NDManager sm = root.newSubManager()) {
            params.values().forEach(x -> x.tempAttach(sm));
            try (GradientCollector gc = root.getEngine().newGradientCollector()) {
                NDArray l = loss(sm, batch);
                gc.backward(l);
                loss = l.getFloat();
            }
        }
        // after the sub-manager: the optimizer's moments must be created in the root manager
        params.forEach((name, x) -> {
            try (NDArray g = x.getGradient()) {
                optimizer.update(name, x, g);
            }
            JniUtils.zeroGrad((PtNDArray) x);
        });
        return loss;
    }

    /** Loss and gradients without an update (for the cross-check against ND4J). */
    record LossGrads(double loss, Map<String, float[]> grads) {
    }

    LossGrads lossAndGradients(TokenBatch batch) {
        Map<String, float[]> g = new LinkedHashMap<>();
        double loss;
        try (NDManager sm = root.newSubManager()) {
            params.values().forEach(x -> x.tempAttach(sm));
            try (GradientCollector gc = root.getEngine().newGradientCollector()) {
                NDArray l = loss(sm, batch);
                gc.backward(l);
                loss = l.getFloat();
            }
            params.forEach((name, x) -> g.put(name, x.getGradient().toFloatArray()));
        }
        params.values().forEach(x -> JniUtils.zeroGrad((PtNDArray) x));
        return new LossGrads(loss, g);
    }

    @Override
    public void close() {
        root.close();
    }
}
