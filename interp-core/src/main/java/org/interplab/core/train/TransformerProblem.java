package org.interplab.core.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A transformer on a sequence task (xor, ov-coherent, addition). Steps and evaluations run as {@link BatchShards}
 * when it is set above 1 (the trainer service sets it for a lone job): the shards' gradients and losses combined
 * weighted by their loss positions equal the whole batch's.
 */
final class TransformerProblem implements Problem {
    private static final int EVAL_CHUNK = 1024;

    private final Transformer.Config cfg;
    /** The step's gradients, reused from step to step (one problem per run, stepped by one thread at a time). */
    private final Map<String, INDArray> gradBuffers = new LinkedHashMap<>();
    /**
     * With shards: each shard's gradients and their combination as views of one flat array each (laid out like the
     * weights), so that combining them is one weighted sum over flat vectors. Per parameter, ND4J's assign, scale
     * and add cost ≈ 30 µs each whatever the size: ≈ 1 ms of the addition step's two-shard step, on one thread.
     */
    private final List<Adam.FlatParams> shardGrads = new ArrayList<>();
    private Adam.FlatParams combinedGrads;
    private final SequenceTask task;
    private final int batchSize;

    TransformerProblem(ExperimentSpec spec) {
        this.cfg = Transformer.Config.of(spec.model());
        this.task = SequenceTask.create(spec.task(), spec.seed());
        this.batchSize = spec.training().batchSize();
    }

    @Override
    public Map<String, INDArray> init(long seed) {
        return Transformer.init(cfg, seed);
    }

    @Override
    public int trainSize() {
        return task.train().size();
    }

    @Override
    public StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step,
                                boolean withMetrics) {
        int n = BatchShards.forBatch(indices.length);
        List<TokenBatch> parts = new ArrayList<>(n);
        for (int s = 0; s < n; s++) {
            parts.add(task.train().rows(indices, BatchShards.from(s, n, indices.length),
                    BatchShards.from(s + 1, n, indices.length)));
        }
        while (n > 1 && shardGrads.size() < n) {
            shardGrads.add(new Adam.FlatParams(weights)); // the weights' layout; the values are overwritten
        }
        List<Transformer.Output> outs = n == 1
                ? List.of(new Transformer(cfg, weights).lossAndGradients(parts.get(0), withMetrics, gradBuffers))
                : BatchShards.map(n, s -> new Transformer(cfg, weights).lossAndGradients(parts.get(s), withMetrics,
                        new LinkedHashMap<>(shardGrads.get(s).views())));
        double loss = n == 1 ? outs.get(0).loss() : combine(parts, outs, weights);
        Map<String, INDArray> grads = n == 1 ? gradBuffers : combinedGrads.views();
        if (!withMetrics) {
            return new StepResult(loss, grads, Map.of());
        }
        Accuracy acc = new Accuracy(parts.get(0).nCtx());
        for (int s = 0; s < n; s++) {
            acc.add(outs.get(s).logits(), parts.get(s));
        }
        return new StepResult(loss, grads, Map.of("train_acc", acc.overall()));
    }

    /**
     * The shards' gradients into {@link #combinedGrads} as Σ_s w_s·grad_s with w_s = the shard's share of the
     * batch's loss positions (each shard's loss is a mean over its own positions); returns Σ_s w_s·loss_s.
     */
    private double combine(List<TokenBatch> parts, List<Transformer.Output> outs, Map<String, INDArray> weights) {
        double[] w = new double[parts.size()];
        double total = 0;
        for (int s = 0; s < w.length; s++) {
            w[s] = Accuracy.lossPositions(parts.get(s));
            total += w[s];
        }
        double loss = 0;
        for (int s = 0; s < w.length; s++) {
            w[s] /= total;
            loss += w[s] * outs.get(s).loss();
        }
        if (combinedGrads == null) {
            combinedGrads = new Adam.FlatParams(weights);
        }
        INDArray dst = combinedGrads.flat();
        for (int s = 0; s < w.length; s++) {
            Adam.FlatParams shard = shardGrads.get(s);
            Map<String, INDArray> got = outs.get(s).grads();
            // the step wrote into the flat views unless a shape changed (then it made new arrays): gather those
            if (!shard.views().entrySet().stream().allMatch(e -> got.get(e.getKey()) == e.getValue())) {
                shard.gather(got, shard.flat());
            }
            if (s == 0) {
                dst.assign(shard.flat()).muli(w[0]);
            } else {
                dst.addi(shard.flat().mul(w[s]));
            }
        }
        return loss;
    }

    @Override
    public Map<String, Double> evaluate(Map<String, INDArray> weights) {
        TokenBatch test = task.test();
        int[] all = new int[test.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        List<TokenBatch> chunks = new ArrayList<>();
        for (int from = 0; from < all.length; from += EVAL_CHUNK) {
            chunks.add(test.rows(all, from, Math.min(all.length, from + EVAL_CHUNK)));
        }
        // the chunks in contiguous groups, one per shard thread; each group's outputs kept in order
        int n = Math.max(1, Math.min(chunks.size(), BatchShards.get()));
        List<List<Transformer.Output>> groups = BatchShards.map(n, s -> {
            Transformer model = new Transformer(cfg, weights);
            List<Transformer.Output> outs = new ArrayList<>();
            for (int c = BatchShards.from(s, n, chunks.size()); c < BatchShards.from(s + 1, n, chunks.size()); c++) {
                outs.add(model.loss(chunks.get(c)));
            }
            return outs;
        });
        Accuracy acc = new Accuracy(test.nCtx());
        double lossSum = 0;
        long lossCount = 0;
        int c = 0;
        for (List<Transformer.Output> group : groups) {
            for (Transformer.Output out : group) {
                TokenBatch chunk = chunks.get(c++);
                long positions = Accuracy.lossPositions(chunk);
                lossSum += out.loss() * positions;
                lossCount += positions;
                acc.add(out.logits(), chunk);
            }
        }
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("test_loss", lossSum / lossCount);
        m.put("test_acc", acc.overall());
        if (task.reportsPositionAccuracy()) {
            m.putAll(acc.perPosition("test_acc_pos"));
        }
        return m;
    }

    /** Argmax accuracy over the positions that carry a target, overall and per position. */
    static final class Accuracy {
        private final long[] correct;
        private final long[] total;

        Accuracy(int nCtx) {
            correct = new long[nCtx];
            total = new long[nCtx];
        }

        static long lossPositions(TokenBatch batch) {
            long n = 0;
            for (int[] row : batch.targets()) {
                for (int y : row) {
                    n += y == TokenBatch.NO_LOSS ? 0 : 1;
                }
            }
            return n;
        }

        void add(INDArray logits2d, TokenBatch batch) {
            int t = batch.nCtx();
            int vocab = (int) logits2d.size(1);
            // one bulk copy; element-wise getDouble costs a JNI call per entry
            double[] logits = logits2d.castTo(DataType.DOUBLE).dup('c').data().asDouble();
            for (int i = 0; i < batch.size(); i++) {
                for (int p = 0; p < t; p++) {
                    int y = batch.targets()[i][p];
                    if (y == TokenBatch.NO_LOSS) {
                        continue;
                    }
                    int offset = (i * t + p) * vocab;
                    int best = 0;
                    for (int v = 1; v < vocab; v++) {
                        if (logits[offset + v] > logits[offset + best]) {
                            best = v;
                        }
                    }
                    total[p]++;
                    correct[p] += best == y ? 1 : 0;
                }
            }
        }

        double overall() {
            long c = 0, n = 0;
            for (int p = 0; p < total.length; p++) {
                c += correct[p];
                n += total[p];
            }
            return n == 0 ? 0 : c / (double) n;
        }

        /** Accuracy at each position with targets, numbered 0, 1, … in sequence order (answer digit i). */
        Map<String, Double> perPosition(String prefix) {
            Map<String, Double> m = new LinkedHashMap<>();
            int i = 0;
            for (int p = 0; p < total.length; p++) {
                if (total[p] > 0) {
                    m.put(prefix + i++, correct[p] / (double) total[p]);
                }
            }
            return m;
        }
    }
}
