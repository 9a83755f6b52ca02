package org.interplab.core.model;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.model.kernels.TmsKernel;
import org.interplab.core.task.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The toy model of Elhage et al., "Toy Models of Superposition" (2022), many instances trained as one batched
 * computation, forward and hand-written backward.
 *
 * <p>Per instance i, with {@code W} [n_instances, n_features, n_hidden] and {@code b_final} [n_instances,
 * n_features]: h = x·W_i, h' = dropout(h) (training only: a unit is zeroed with probability {@code dropout}, kept
 * units are scaled by 1/(1 − dropout)), out = act(h'·W_iᵀ + b_i). Loss = Σ_i [ mean_batch Σ_j importance_j
 * (x_j − out_j)² + l1 · mean_batch Σ_k |h_k| ] (importance_j from the task: decay^j or a per-feature profile): averaged over the batch, summed over instances (so an instance's
 * gradient does not depend on how many share the run). Batches are laid out [n_instances, batch, n_features].
 */
public final class Tms {

    public record Config(int nInstances, int nFeatures, int nHidden, Activation act, double dropout, double l1,
                         double[] importance) {

        /** Importance from the task ({@link TaskSpec#importanceOf}: its profile, else decay^j). */
        public static Config of(ModelSpec m, TaskSpec t) {
            double[] importance = t.importanceOf(t.nFeatures());
            return new Config(m.nInstances(), t.nFeatures(), m.nHidden(), Activation.of(m.actFn()),
                    m.dropout() == null ? 0 : m.dropout(), m.l1() == null ? 0 : m.l1(), importance);
        }
    }

    /**
     * Loss (summed over instances), the loss of each instance [n_instances] (importance-weighted reconstruction
     * error plus its L1 term), the output [n_instances, batch, n_features] (from {@link #loss}; null from
     * {@link #lossAndGradients} when the fused ReLU step ran, which never forms it), gradients by name (empty for
     * evaluation).
     */
    public record Output(double loss, double[] instanceLoss, INDArray out, Map<String, INDArray> grads) {
    }

    private final Config cfg;
    private final Map<String, INDArray> params;
    private final INDArray importance;
    /** Whether the elementwise part may run as {@link TmsKernel}'s fused pass (else ND4J ops throughout). */
    private boolean fused = true;

    /** Wraps existing parameters (not copied: training updates them in place). */
    public Tms(Config cfg, Map<String, INDArray> params) {
        this.cfg = cfg;
        this.params = params;
        shapes(cfg).forEach((name, shape) -> Toys.requireShape(params, name, shape));
        this.importance = Nd4j.create(cfg.importance, new long[] {1, 1, cfg.nFeatures}, params.get("W").dataType());
    }

    /**
     * Runs the elementwise part with ND4J ops instead of the fused pass (the path used anyway off the CPU backend),
     * for comparisons and benchmarks; returns this.
     */
    public Tms withNd4jOps() {
        fused = false;
        return this;
    }

    public Config config() {
        return cfg;
    }

    public static Map<String, long[]> shapes(Config c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        s.put("W", new long[] {c.nInstances, c.nFeatures, c.nHidden});
        s.put("b_final", new long[] {c.nInstances, c.nFeatures});
        return s;
    }

    /** As the paper's code: W Xavier-normal per instance (std √(2/(n_features + n_hidden))), b_final 0. */
    public static Map<String, INDArray> init(Config c, long seed) {
        Rng rng = new Rng(Rng.derive(seed, "tms-init"));
        Map<String, INDArray> p = new LinkedHashMap<>();
        p.put("W", Toys.gaussian(rng, Math.sqrt(2.0 / (c.nFeatures + c.nHidden)), c.nInstances, c.nFeatures,
                c.nHidden));
        p.put("b_final", Nd4j.zeros(Nd4j.defaultFloatingPointType(), c.nInstances, c.nFeatures));
        return p;
    }

    /**
     * A dropout mask [n_instances, batch, n_hidden] with entries 0 (dropped, probability {@code dropout}) or
     * 1/(1 − dropout), drawn from {@code rng}; null when the model has no dropout.
     */
    public INDArray dropoutMask(int batch, Rng rng) {
        if (cfg.dropout == 0) {
            return null;
        }
        double keep = 1 - cfg.dropout;
        float scale = (float) (1 / keep);
        float[] m = new float[cfg.nInstances * batch * cfg.nHidden];
        for (int i = 0; i < m.length; i++) {
            m[i] = rng.nextDouble() < keep ? scale : 0f;
        }
        return Nd4j.create(m, new long[] {cfg.nInstances, batch, cfg.nHidden}, 'c').castTo(params.get("W")
                .dataType());
    }

    /** Evaluation: no dropout. */
    public Output loss(INDArray x) {
        return run(x, null, false);
    }

    /**
     * Loss and gradients on a batch x [n_instances, batch, n_features], with the given dropout mask (or null). On the
     * CPU backend a ReLU model runs {@link TmsKernel#reluStep} (one fused pass per example, no [I, B, F]
     * temporaries; its output {@code out} is null); otherwise ND4J's batched GEMMs with the elementwise part in
     * {@link TmsKernel#reconstruction} (CPU) or in ND4J ops (any other backend, or {@link #withNd4jOps}).
     */
    public Output lossAndGradients(INDArray x, INDArray dropoutMask) {
        return run(x, dropoutMask, true);
    }

    /** The hidden activations h = x·W_i [n_instances, batch, n_hidden] (no dropout). */
    public INDArray hidden(INDArray x) {
        return Nd4j.matmul(x, params.get("W"));
    }

    private Output run(INDArray x, INDArray mask, boolean withGrads) {
        INDArray w = params.get("W");
        INDArray bias = params.get("b_final");
        long batch = x.size(1);
        boolean kernel = fused && TmsKernel.supports(x, w, bias, mask);
        if (kernel && withGrads && cfg.act == Activation.RELU) {
            TmsKernel.Step s = TmsKernel.reluStep(x, w, bias, mask, cfg.importance, cfg.l1);
            Map<String, INDArray> g = new LinkedHashMap<>();
            g.put("W", s.dW());
            g.put("b_final", s.dBias());
            return new Output(sum(s.instanceLoss()), s.instanceLoss(), null, g);
        }
        INDArray h = Nd4j.matmul(x, w);
        INDArray hd = mask == null ? h : h.mul(mask);
        INDArray pre = Nd4j.matmul(hd, w, false, true, false);
        INDArray out;
        INDArray dPre = null;
        INDArray dBias = null;
        double[] instanceLoss;
        if (kernel) {
            // one Java pass for bias, activation, error, loss, dPre and the bias gradient (ND4J for the GEMMs)
            if (withGrads) {
                dPre = Nd4j.createUninitialized(pre.dataType(), pre.shape());
                dBias = Nd4j.createUninitialized(pre.dataType(), cfg.nInstances, cfg.nFeatures);
            }
            if (cfg.act == Activation.RELU) {
                out = pre;
                instanceLoss = TmsKernel.reconstruction(out, bias, null, x, cfg.importance, dPre, dBias);
            } else {
                pre.addi(bias.reshape(cfg.nInstances, 1, cfg.nFeatures));
                out = cfg.act.apply(pre);
                INDArray deriv = withGrads ? cfg.act.derivative(pre) : out;
                instanceLoss = TmsKernel.reconstruction(out, null, deriv, x, cfg.importance, dPre, dBias);
            }
        } else {
            // ND4J broadcasts [I, 1, F] over the batch inside the op; INDArray.broadcast() would copy (and is slow)
            pre.addi(bias.reshape(cfg.nInstances, 1, cfg.nFeatures));
            out = cfg.act.apply(pre);
            INDArray err = out.sub(x);
            INDArray weightedErr = err.mul(importance);
            // per-instance Σ_batch Σ_j importance_j·err², then / batch
            instanceLoss = weightedErr.mul(err).sum(1, 2).divi(batch).castTo(DataType.DOUBLE).toDoubleVector();
            if (withGrads) {
                // d loss / d out = 2·importance·err / batch
                dPre = weightedErr.muli(2.0 / batch).muli(cfg.act.derivative(pre));
                dBias = dPre.sum(1);
            }
        }
        if (cfg.l1 != 0) {
            double[] l1 = Transforms.abs(h, true).sum(1, 2).muli(cfg.l1 / batch).castTo(DataType.DOUBLE)
                    .toDoubleVector();
            for (int i = 0; i < instanceLoss.length; i++) {
                instanceLoss[i] += l1[i];
            }
        }
        double loss = sum(instanceLoss);
        if (!withGrads) {
            return new Output(loss, instanceLoss, out, Map.of());
        }
        Map<String, INDArray> g = new LinkedHashMap<>();
        INDArray dW = Nd4j.matmul(dPre, hd, true, false, false); // decoder: [I, F, B]·[I, B, H]
        INDArray dh = Nd4j.matmul(dPre, w);
        if (mask != null) {
            dh.muli(mask);
        }
        if (cfg.l1 != 0) {
            dh.addi(Transforms.sign(h, true).muli(cfg.l1 / batch));
        }
        dW.addi(Nd4j.matmul(x, dh, true, false, false)); // encoder: [I, F, B]·[I, B, H]
        g.put("W", dW);
        g.put("b_final", dBias);
        return new Output(loss, instanceLoss, out, g);
    }

    private static double sum(double[] values) {
        double s = 0;
        for (double v : values) {
            s += v;
        }
        return s;
    }
}
