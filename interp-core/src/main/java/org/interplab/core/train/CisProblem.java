package org.interplab.core.train;

import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.model.Cis;
import org.interplab.core.task.CisTask;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A computation-in-superposition MLP on its target function: fresh samples every step from the data generator;
 * test metrics ({@code test_loss} summed over instances, {@code test_loss_I<i>} each instance's MSE) on a fixed
 * seeded batch of {@value TmsProblem#TEST_BATCH} examples per instance.
 */
final class CisProblem implements Problem {
    private final Cis.Config cfg;
    private final CisTask task;
    private final int batchSize;
    private final CisTask.Batch test;

    CisProblem(ExperimentSpec spec) {
        this.cfg = Cis.Config.of(spec.model(), spec.task());
        this.task = new CisTask(spec.task(), cfg.nInstances());
        this.batchSize = spec.training().batchSize();
        this.test = task.sample(TmsProblem.TEST_BATCH, new Rng(Rng.derive(spec.seed(), "test-set")),
                Nd4j.defaultFloatingPointType());
    }

    @Override
    public Map<String, INDArray> init(long seed) {
        return Cis.init(cfg, seed);
    }

    @Override
    public int trainSize() {
        return 0;
    }

    @Override
    public StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step,
                                boolean withMetrics) {
        CisTask.Batch batch = task.sample(batchSize, rng, weights.get("W1").dataType());
        Cis.Output out = new Cis(cfg, weights).lossAndGradients(batch.x(), batch.target());
        return new StepResult(out.loss(), out.grads(), Map.of());
    }

    @Override
    public Map<String, Double> evaluate(Map<String, INDArray> weights) {
        var dt = weights.get("W1").dataType();
        Cis.Output out = new Cis(cfg, weights).loss(test.x().castTo(dt), test.target().castTo(dt));
        return TmsProblem.perInstance(out.loss(), out.instanceLoss());
    }
}
