package org.interplab.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.model.Tms;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TmsTask;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A TMS model on TMS features: every step draws a fresh batch (and dropout mask) from the data generator, whose
 * state the checkpoints keep. Test metrics on a fixed batch of {@value #TEST_BATCH} examples per instance drawn
 * from the seed: {@code test_loss} (summed over instances, like {@code loss}) and {@code test_loss_I<i>} per
 * instance.
 */
final class TmsProblem implements Problem {
    static final int TEST_BATCH = 2048;

    private final Tms.Config cfg;
    private final TmsTask task;
    private final int batchSize;
    private final INDArray testX;
    private INDArray stepX;
    private float[] stepValues;

    TmsProblem(ExperimentSpec spec) {
        this.cfg = Tms.Config.of(spec.model(), spec.task());
        this.task = new TmsTask(spec.task(), cfg.nInstances());
        this.batchSize = spec.training().batchSize();
        this.testX = task.sample(TEST_BATCH, new Rng(Rng.derive(spec.seed(), "test-set")),
                Nd4j.defaultFloatingPointType());
    }

    @Override
    public Map<String, INDArray> init(long seed) {
        return Tms.init(cfg, seed);
    }

    @Override
    public int trainSize() {
        return 0;
    }

    @Override
    public StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step,
                                boolean withMetrics) {
        Tms model = new Tms(cfg, weights);
        DataType dt = weights.get("W").dataType();
        if (stepX == null || stepX.dataType() != dt) {
            stepX = Nd4j.create(dt, cfg.nInstances(), batchSize, cfg.nFeatures());
            stepValues = new float[Math.toIntExact(stepX.length())];
        }
        // the step's batch, drawn into the same arrays every step (nothing keeps it past the step)
        INDArray x = task.sample(batchSize, rng, stepX, stepValues);
        Tms.Output out = model.lossAndGradients(x, model.dropoutMask(batchSize, rng));
        return new StepResult(out.loss(), out.grads(), Map.of());
    }

    @Override
    public Map<String, Double> evaluate(Map<String, INDArray> weights) {
        INDArray x = testX.dataType() == weights.get("W").dataType() ? testX : testX.castTo(weights.get("W")
                .dataType());
        Tms.Output out = new Tms(cfg, weights).loss(x);
        return perInstance(out.loss(), out.instanceLoss());
    }

    static Map<String, Double> perInstance(double loss, double[] instanceLoss) {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("test_loss", loss);
        for (int i = 0; i < instanceLoss.length; i++) {
            m.put("test_loss_I" + i, instanceLoss[i]);
        }
        return m;
    }
}
