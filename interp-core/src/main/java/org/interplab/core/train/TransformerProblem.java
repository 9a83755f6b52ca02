package org.interplab.core.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A transformer on a sequence task (xor, ov-coherent, addition). */
final class TransformerProblem implements Problem {
    private static final int EVAL_CHUNK = 1024;

    private final Transformer.Config cfg;
    /** The step's gradients, reused from step to step (one problem per run, stepped by one thread at a time). */
    private final Map<String, INDArray> gradBuffers = new LinkedHashMap<>();
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
        TokenBatch batch = task.train().rows(indices, 0, indices.length);
        Transformer.Output out = new Transformer(cfg, weights).lossAndGradients(batch, withMetrics, gradBuffers);
        if (!withMetrics) {
            return new StepResult(out.loss(), out.grads(), Map.of());
        }
        Accuracy acc = new Accuracy(batch.nCtx());
        acc.add(out.logits(), batch);
        return new StepResult(out.loss(), out.grads(), Map.of("train_acc", acc.overall()));
    }

    @Override
    public Map<String, Double> evaluate(Map<String, INDArray> weights) {
        Transformer model = new Transformer(cfg, weights);
        TokenBatch test = task.test();
        int[] all = new int[test.size()];
        for (int i = 0; i < all.length; i++) {
            all[i] = i;
        }
        Accuracy acc = new Accuracy(test.nCtx());
        double lossSum = 0;
        long lossCount = 0;
        for (int from = 0; from < all.length; from += EVAL_CHUNK) {
            TokenBatch chunk = test.rows(all, from, Math.min(all.length, from + EVAL_CHUNK));
            Transformer.Output out = model.loss(chunk);
            long positions = Accuracy.lossPositions(chunk);
            lossSum += out.loss() * positions;
            lossCount += positions;
            acc.add(out.logits(), chunk);
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
