package org.interplab.bench;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The seed-001 addition preset, its data, and a fixed cycle of training batches shared by both engines. */
final class AdditionSetup {
    final ExperimentSpec spec;
    final Transformer.Config cfg;
    final AdditionTask task;
    final List<TokenBatch> batches = new ArrayList<>();

    AdditionSetup(int nBatches) {
        spec = loadPreset("addition");
        cfg = Transformer.Config.of(spec.model());
        task = new AdditionTask(spec.task(), spec.seed());
        int batch = spec.training().batchSize();
        int n = task.train().size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        new Rng(Rng.derive(spec.seed(), "bench-order")).shuffle(order);
        for (int b = 0; b < nBatches; b++) {
            int from = (b * batch) % (n - batch);
            batches.add(task.train().rows(order, from, from + batch));
        }
    }

    Map<String, INDArray> init() {
        return Transformer.init(cfg, spec.seed());
    }

    /** The preset JSON as shipped in contracts (read directly: not every preset is registered by name yet). */
    static ExperimentSpec loadPreset(String name) {
        try (InputStream in = AdditionSetup.class.getResourceAsStream("/presets/" + name + ".json")) {
            if (in == null) {
                throw new IllegalStateException("preset " + name + " is not on the classpath");
            }
            return Json.MAPPER.readValue(in, ExperimentSpec.class);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static ExperimentSpec withTraining(ExperimentSpec s, TrainingSpec t) {
        return new ExperimentSpec(s.name(), s.task(), s.model(), t, s.seed(), s.tags());
    }

    /**
     * Analytic FLOPs of one training step (forward + backward), counting multiply-adds as 2 and only the matmuls:
     * per token the QKV projection (d·3·h·dh), W_O (h·dh·d) and W_U (d·V_out); per sequence and head the scores
     * q·kᵀ and pattern·v (T²·dh each, full T×T, no causal halving). Backward costs 2× forward (grad wrt input and
     * wrt weight for every matmul); the embedding is a lookup (0 FLOPs, although ND4J runs it as a one-hot GEMM).
     * Total = 3 · 2 · [N·(3·d·h·dh + h·dh·d + d·V_out) + 2·B·h·T²·dh], N = B·T.
     */
    static double stepFlops(Transformer.Config c, int batch) {
        double t = c.nCtx(), n = batch * t, d = c.dModel(), hd = (double) c.nHeads() * c.dHead();
        double forward = 2 * (n * (3 * d * hd + hd * d + d * c.dVocabOut())
                + 2.0 * batch * c.nHeads() * t * t * c.dHead());
        return 3 * forward;
    }

    /**
     * The FLOPs the step executes, counted like {@link #stepFlops}, now that a step computes only what its loss reads
     * (interp-core's loss window): positions after the last answer digit are dropped (t' = 3n + 1 − 1 positions),
     * and the last layer's queries, W_O, W_U and loss run on the n + 1 answer positions only (from 2n − 1 on);
     * the QKV projection still runs on every kept position; the scores count the causal pairs of those queries.
     */
    static double executedFlops(Transformer.Config c, int batch, int firstLoss, int lastLoss) {
        double t = lastLoss + 1, nq = t - firstLoss, d = c.dModel(), hd = (double) c.nHeads() * c.dHead();
        double pairs = 0;
        for (int i = firstLoss; i <= lastLoss; i++) {
            pairs += i + 1;
        }
        double forward = 2 * (batch * t * 3 * d * hd + batch * nq * (hd * d + d * c.dVocabOut())
                + 2.0 * batch * c.nHeads() * pairs * c.dHead());
        return 3 * forward;
    }
}
