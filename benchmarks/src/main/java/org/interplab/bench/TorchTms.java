package org.interplab.bench;

import static org.interplab.bench.Nd4jTms.BATCH;
import static org.interplab.bench.Nd4jTms.FEATURES;
import static org.interplab.bench.Nd4jTms.FEATURE_PROB;
import static org.interplab.bench.Nd4jTms.HIDDEN;
import static org.interplab.bench.Nd4jTms.INSTANCES;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.util.LinkedHashMap;
import java.util.Map;

/** The same TMS step on libtorch through DJL: batched matmuls, autograd, DJL's AdamW; data drawn by torch's RNG. */
final class TorchTms implements AutoCloseable {
    private final NDManager root;
    private final Map<String, NDArray> params = new LinkedHashMap<>();
    private final Optimizer optimizer;
    private final NDArray importance;

    TorchTms(float[] w0) {
        root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        NDArray w = root.create(w0, new Shape(INSTANCES, FEATURES, HIDDEN));
        NDArray b = root.zeros(new Shape(INSTANCES, FEATURES), DataType.FLOAT32);
        w.setRequiresGradient(true);
        b.setRequiresGradient(true);
        params.put("W", w);
        params.put("b_final", b);
        optimizer = Optimizer.adamW().optLearningRateTracker(Tracker.fixed((float) Nd4jTms.LR))
                .optWeightDecays(0f).optEpsilon(1e-8f).build();
        importance = root.create(Nd4jTms.importance());
    }

    NDManager manager() {
        return root;
    }

    private NDArray batch(NDManager sm) {
        Shape s = new Shape(INSTANCES, BATCH, FEATURES);
        NDArray present = sm.randomUniform(0f, 1f, s).lt(FEATURE_PROB).toType(DataType.FLOAT32, false);
        return sm.randomUniform(0f, 1f, s).mul(present);
    }

    private NDArray loss(NDArray x) {
        NDArray w = params.get("W");
        NDArray h = x.matMul(w);
        NDArray out = Activation.relu(h.matMul(w.transpose(0, 2, 1)).add(params.get("b_final").expandDims(1)));
        return out.sub(x).square().mul(importance).sum().div((float) BATCH);
    }

    /** One step on a fresh batch drawn with libtorch's RNG, or on the given data when x0 is not null. */
    double step(float[] x0) {
        double loss;
        try (NDManager sm = root.newSubManager()) {
            params.values().forEach(p -> p.tempAttach(sm));
            NDArray x = x0 == null ? batch(sm) : sm.create(x0, new Shape(INSTANCES, BATCH, FEATURES));
            try (GradientCollector gc = root.getEngine().newGradientCollector()) {
                NDArray l = loss(x);
                gc.backward(l);
                loss = l.getFloat();
            }
        }
        params.forEach((name, p) -> {
            try (NDArray g = p.getGradient()) {
                optimizer.update(name, p, g);
            }
            JniUtils.zeroGrad((PtNDArray) p);
        });
        return loss;
    }

    record LossGrads(double loss, Map<String, float[]> grads) {
    }

    LossGrads lossAndGradients(float[] x0) {
        Map<String, float[]> g = new LinkedHashMap<>();
        double loss;
        try (NDManager sm = root.newSubManager()) {
            params.values().forEach(p -> p.tempAttach(sm));
            NDArray x = sm.create(x0, new Shape(INSTANCES, BATCH, FEATURES));
            try (GradientCollector gc = root.getEngine().newGradientCollector()) {
                NDArray l = loss(x);
                gc.backward(l);
                loss = l.getFloat();
            }
            params.forEach((name, p) -> g.put(name, p.getGradient().toFloatArray()));
        }
        params.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
        return new LossGrads(loss, g);
    }

    @Override
    public void close() {
        root.close();
    }
}
