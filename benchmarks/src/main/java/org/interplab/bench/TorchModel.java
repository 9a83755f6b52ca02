package org.interplab.bench;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A model on libtorch through DJL: parameters under TransformerLens names (copied from interp-core's init), eager
 * NDArray ops for the loss, autograd (GradientCollector) and DJL's AdamW (libtorch's fused adam update).
 */
abstract class TorchModel implements AutoCloseable {
    protected final NDManager root;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Optimizer optimizer;

    TorchModel(Map<String, INDArray> init, TrainingSpec t) {
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        init.forEach((name, w) -> {
            NDArray p = root.create(w.dup('c').data().asFloat(), new Shape(w.shape()));
            p.setRequiresGradient(true);
            params.put(name, p);
        });
        optimizer = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(t.lr().floatValue()))
                .optBeta1(t.beta1().floatValue()).optBeta2(t.beta2().floatValue())
                .optWeightDecays(t.weightDecay().floatValue()).optEpsilon(1e-8f).build();
    }

    /** libtorch's intra-op thread count (loads the engine first). */
    static int threads() {
        ai.djl.engine.Engine.getEngine("PyTorch");
        return JniUtils.getNumThreads();
    }

    protected NDArray p(String name) {
        return params.get(name);
    }

    /** [n_heads, d_model, d_head] → [d_model, n_heads·d_head], as interp-core merges heads. */
    protected NDArray merged(String name, int d, int hd) {
        return p(name).transpose(1, 0, 2).reshape(d, hd);
    }

    /** The scalar loss, built from the parameters in manager {@code sm}. */
    protected abstract NDArray loss(NDManager sm, TokenBatch batch);

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

    /** A causal mask [t, t]: 0 where key k ≤ query q, −1e9 above the diagonal. */
    protected NDArray causalMask(int t) {
        float[] m = new float[t * t];
        for (int q = 0; q < t; q++) {
            for (int k = q + 1; k < t; k++) {
                m[q * t + k] = -1e9f;
            }
        }
        return root.create(m, new Shape(t, t));
    }

    @Override
    public void close() {
        root.close();
    }
}
