package org.interplab.bench;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.TokenBatch;
import org.interplab.core.train.Adam;
import org.interplab.core.train.LrSchedule;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The product's training step for a Transformer (the addition preset, or the LM shape): interp-core's Transformer +
 * Adam(W), as Trainer runs it.
 */
final class Nd4jAddition {
    private final Transformer.Config cfg;
    private final Map<String, INDArray> weights;
    private final Adam adam;
    private final LrSchedule lr;
    private long step;
    /** Reused gradient arrays, as the product's problems keep them. */
    private final Map<String, INDArray> gradBuffers = new LinkedHashMap<>();

    Nd4jAddition(AdditionSetup setup) {
        this(setup.cfg, setup.init(), setup.spec.training());
    }

    Nd4jAddition(Transformer.Config cfg, Map<String, INDArray> init, TrainingSpec t) {
        this.cfg = cfg;
        Adam.FlatParams flat = new Adam.FlatParams(init);
        weights = flat.views();
        adam = new Adam(flat, "adamw".equals(t.optimizer()), t.beta1(), t.beta2(), t.weightDecay());
        lr = new LrSchedule(t);
    }

    Map<String, INDArray> weights() {
        return weights;
    }

    double step(TokenBatch batch) {
        Transformer.Output out = new Transformer(cfg, weights).lossAndGradients(batch, false, gradBuffers);
        adam.step(out.grads(), lr.at(step), step + 1);
        step++;
        return out.loss();
    }

    // ---- the step's phases, for the profile (each runs the public API; differences give backward)
    double forwardLoss(TokenBatch batch) {
        return new Transformer(cfg, weights).loss(batch).loss();
    }

    Transformer.Output forwardBackward(TokenBatch batch) {
        return new Transformer(cfg, weights).lossAndGradients(batch);
    }

    void adamOnly(Map<String, INDArray> grads) {
        adam.step(grads, lr.at(step), step + 1);
        step++;
    }
}
