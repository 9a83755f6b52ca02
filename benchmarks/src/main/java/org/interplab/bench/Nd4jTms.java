package org.interplab.bench;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.model.Tms;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.interplab.core.train.Adam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The product's TMS training step (interp-core's {@link Tms} with its hand-written backward, {@link TmsTask}'s
 * sampler, interp-core's AdamW), for 20 instances of 100 features → 20 hidden, feature probability 0.05,
 * importance 0.9^j, batch 1024: out = ReLU(WᵀW x + b), loss = Σ_instances mean_batch Σ_j imp_j (out_j − x_j)².
 */
final class Nd4jTms {
    static final int INSTANCES = 20;
    static final int FEATURES = 100;
    static final int HIDDEN = 20;
    static final int BATCH = 1024;
    static final double FEATURE_PROB = 0.05;
    static final double IMPORTANCE_DECAY = 0.9;
    static final double LR = 1e-3;

    /** 5 matmuls of 2·I·B·F·H: h, h·Wᵀ forward; dPreᵀ·h, dPre·W, xᵀ·dH backward (no gradient wrt x). */
    static double stepFlops() {
        return 5 * 2.0 * INSTANCES * BATCH * FEATURES * HIDDEN;
    }

    static final TaskSpec TASK = json(String.format(
            "{\"kind\":\"tms\",\"nFeatures\":%d,\"featureProbability\":%s,\"importanceDecay\":%s}", FEATURES,
            FEATURE_PROB, IMPORTANCE_DECAY), TaskSpec.class);
    static final ModelSpec MODEL = json(String.format(
            "{\"kind\":\"tms\",\"nInstances\":%d,\"nHidden\":%d,\"actFn\":\"relu\",\"dropout\":0.0,\"l1\":0.0}",
            INSTANCES, HIDDEN), ModelSpec.class);

    private static <T> T json(String s, Class<T> type) {
        try {
            return Json.MAPPER.readValue(s, type);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private final Tms.Config cfg = Tms.Config.of(MODEL, TASK);
    private final TmsTask task = new TmsTask(TASK, INSTANCES);
    private final Rng rng = new Rng(Rng.derive(1, "bench-tms"));
    private final Map<String, INDArray> weights;
    private final Adam adam;
    private long step;

    Nd4jTms(float[] w0) {
        Map<String, INDArray> init = new LinkedHashMap<>();
        init.put("W", Nd4j.create(w0, new long[] {INSTANCES, FEATURES, HIDDEN}, 'c'));
        init.put("b_final", Nd4j.zeros(DataType.FLOAT, INSTANCES, FEATURES));
        Adam.FlatParams flat = new Adam.FlatParams(init);
        weights = flat.views();
        adam = new Adam(flat, true, 0.9, 0.999, 0.0);
    }

    static float[] importance() {
        float[] imp = new float[FEATURES];
        for (int f = 0; f < FEATURES; f++) {
            imp[f] = (float) Math.pow(IMPORTANCE_DECAY, f);
        }
        return imp;
    }

    /** x [I, B, F] from the product's sampler (Java SplitMix64, as the Trainer draws it every step). */
    INDArray batch() {
        return task.sample(BATCH, rng, DataType.FLOAT);
    }

    Tms.Output lossAndGradients(INDArray x) {
        return new Tms(cfg, weights).lossAndGradients(x, null);
    }

    /**
     * The same loss and gradients written with ND4J's broadcast ops (BroadcastAddOp, mulRowVector) instead of
     * {@code INDArray.broadcast(shape)} copies: the variant this benchmark first used, kept to compare.
     */
    Map<String, INDArray> ownLossAndGradients(INDArray x) {
        INDArray w = weights.get("W");
        INDArray b = weights.get("b_final");
        INDArray h = Nd4j.matmul(x, w);
        INDArray pre = Nd4j.matmul(h, w, false, true, false);
        Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.broadcast.BroadcastAddOp(pre, b, pre, 0, 2));
        INDArray out = org.nd4j.linalg.ops.transforms.Transforms.relu(pre, true);
        INDArray diff = out.sub(x);
        INDArray weighted = diff.reshape((long) INSTANCES * BATCH, FEATURES).mulRowVector(importanceRow)
                .reshape(INSTANCES, BATCH, FEATURES);
        double loss = weighted.mul(diff).sumNumber().doubleValue() / BATCH;
        INDArray dPre = weighted.muli(2.0 / BATCH).muli(out.gt(0).castTo(DataType.FLOAT));
        INDArray db = dPre.sum(1);
        INDArray dW = Nd4j.matmul(dPre, h, true, false, false);
        INDArray dH = Nd4j.matmul(dPre, w);
        dW.addi(Nd4j.matmul(x, dH, true, false, false));
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("W", dW);
        g.put("b_final", db);
        lastOwnLoss = loss;
        return g;
    }

    double lastOwnLoss;
    private final INDArray importanceRow = Nd4j.create(importance(), new long[] {1, FEATURES}, 'c');

    void adamOnly(Map<String, INDArray> grads) {
        adam.step(grads, LR, step + 1);
        step++;
    }

    Map<String, INDArray> weights() {
        return weights;
    }

    double step(INDArray x) {
        Tms.Output out = lossAndGradients(x);
        adam.step(out.grads(), LR, step + 1);
        step++;
        return out.loss();
    }
}
