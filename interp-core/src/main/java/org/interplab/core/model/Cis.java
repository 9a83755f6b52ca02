package org.interplab.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Computation in superposition (seed 001 §4): a one-hidden-layer MLP per instance, all instances as one batched
 * computation, forward and hand-written backward.
 *
 * <p>Per instance i, with {@code W1} [n_instances, n_features, n_hidden], {@code b1} [n_instances, n_hidden],
 * {@code W2} [n_instances, n_hidden, n_out], {@code b2} [n_instances, n_out]: h = act(x·W1_i + b1_i),
 * y = act(h·W2_i + b2_i). Loss = Σ_i mean over batch and outputs of (y − target)² (MSE per instance, summed over
 * instances). Batches are laid out [n_instances, batch, n_features], targets [n_instances, batch, n_out].
 */
public final class Cis {

    public record Config(int nInstances, int nFeatures, int nHidden, int nOut, Activation act) {

        public static Config of(ModelSpec m, TaskSpec t) {
            return new Config(m.nInstances(), t.nFeatures(), m.nHidden(),
                    SpecValidator.cisOutputs(t.function(), t.nFeatures()), Activation.of(m.actFn()));
        }
    }

    /** Loss (summed over instances), each instance's MSE, the output y [n_instances, batch, n_out], gradients. */
    public record Output(double loss, double[] instanceLoss, INDArray out, Map<String, INDArray> grads) {
    }

    private final Config cfg;
    private final Map<String, INDArray> params;

    public Cis(Config cfg, Map<String, INDArray> params) {
        this.cfg = cfg;
        this.params = params;
        shapes(cfg).forEach((name, shape) -> Toys.requireShape(params, name, shape));
    }

    public Config config() {
        return cfg;
    }

    public static Map<String, long[]> shapes(Config c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("W1", new long[] {c.nInstances, c.nFeatures, c.nHidden});
        s.put("b1", new long[] {c.nInstances, c.nHidden});
        s.put("W2", new long[] {c.nInstances, c.nHidden, c.nOut});
        s.put("b2", new long[] {c.nInstances, c.nOut});
        return s;
    }

    /**
     * W1, W2 Xavier-normal per instance; b1 = 0; b2 = 0.1 so that an output behind a ReLU starts alive (all
     * targets are ≥ 0, and an output whose pre-activation is negative for every input never recovers).
     */
    public static Map<String, INDArray> init(Config c, long seed) {
        Rng rng = new Rng(Rng.derive(seed, "cis-init"));
        DataType dt = Nd4j.defaultFloatingPointType();
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("W1", Toys.gaussian(rng, Math.sqrt(2.0 / (c.nFeatures + c.nHidden)), c.nInstances, c.nFeatures,
                c.nHidden));
        p.put("b1", Nd4j.zeros(dt, c.nInstances, c.nHidden));
        p.put("W2", Toys.gaussian(rng, Math.sqrt(2.0 / (c.nHidden + c.nOut)), c.nInstances, c.nHidden, c.nOut));
        p.put("b2", Nd4j.zeros(dt, c.nInstances, c.nOut).addi(0.1));
        return p;
    }

    /** y [n_instances, batch, n_out] for inputs x [n_instances, batch, n_features]. */
    public INDArray forward(INDArray x) {
        return run(x, null, false).out();
    }

    public Output loss(INDArray x, INDArray target) {
        return run(x, target, false);
    }

    public Output lossAndGradients(INDArray x, INDArray target) {
        return run(x, target, true);
    }

    private Output run(INDArray x, INDArray target, boolean withGrads) {
        long batch = x.size(1);
        INDArray w1 = params.get("W1"), w2 = params.get("W2");
        INDArray pre1 = Nd4j.matmul(x, w1);
        pre1.addi(params.get("b1").reshape(cfg.nInstances, 1, cfg.nHidden));
        INDArray h = cfg.act.apply(pre1);
        INDArray pre2 = Nd4j.matmul(h, w2);
        pre2.addi(params.get("b2").reshape(cfg.nInstances, 1, cfg.nOut));
        INDArray y = cfg.act.apply(pre2);
        if (target == null) {
            return new Output(Double.NaN, null, y, Map.of());
        }
        INDArray err = y.sub(target);
        double scale = 1.0 / (batch * cfg.nOut);
        double[] instanceLoss = err.mul(err).sum(1, 2).muli(scale).castTo(DataType.DOUBLE).toDoubleVector();
        double loss = 0;
        for (double l : instanceLoss) {
            loss += l;
        }
        if (!withGrads) {
            return new Output(loss, instanceLoss, y, Map.of());
        }
        INDArray dPre2 = err.muli(2 * scale).muli(cfg.act.derivative(pre2));
        Map<String, INDArray> g = new LinkedHashMap<>();
        INDArray dPre1 = Nd4j.matmul(dPre2, w2, false, true, false).muli(cfg.act.derivative(pre1));
        g.put("W1", Nd4j.matmul(x, dPre1, true, false, false));
        g.put("b1", dPre1.sum(1));
        g.put("W2", Nd4j.matmul(h, dPre2, true, false, false));
        g.put("b2", dPre2.sum(1));
        return new Output(loss, instanceLoss, y, g);
    }
}
