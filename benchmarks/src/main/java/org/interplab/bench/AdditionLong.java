package org.interplab.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.TokenBatch;
import org.interplab.core.train.ModelState;
import org.interplab.core.train.Trainer;
import org.interplab.core.train.TrainingListener;
import org.interplab.core.train.TrainingOutcome;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The addition preset trained by interp-core's Trainer for a wall-time budget: the seed's full schedule (1000 epochs
 * = 98 000 steps, cosine), stopped when the budget is spent. Every {@link #EVAL_EPOCHS} epochs it records per-digit
 * test accuracy (the Trainer's own evaluation on the 2 000 test pairs) and per-digit train accuracy (on the first
 * {@link #TRAIN_EVAL} training pairs, computed here from the checkpoint; that time is excluded from the wall clock).
 */
final class AdditionLong {
    static final int EVAL_EPOCHS = 2;
    static final int TRAIN_EVAL = 2560;

    private AdditionLong() {
    }

    record Point(long step, double epoch, double wallS, double loss, double trainAcc, double[] trainDigits,
                 double testAcc, double[] testDigits) {
    }

    static String run(double minutes) {
        ExperimentSpec preset = AdditionSetup.loadPreset("addition");
        TrainingSpec t = preset.training();
        int nTrain = preset.task().nTrain();
        int stepsPerEpoch = (nTrain + t.batchSize() - 1) / t.batchSize();
        int every = EVAL_EPOCHS * stepsPerEpoch;
        ExperimentSpec spec = AdditionSetup.withTraining(preset, new TrainingSpec(t.optimizer(), t.lr(),
                t.weightDecay(), t.beta1(), t.beta2(), t.schedule(), t.warmupSteps(), t.batchSize(), t.steps(), every,
                "every", every));
        Transformer.Config cfg = Transformer.Config.of(spec.model());
        AdditionTask task = new AdditionTask(spec.task(), spec.seed());
        int[] first = new int[TRAIN_EVAL];
        for (int i = 0; i < first.length; i++) {
            first[i] = i;
        }
        TokenBatch trainEval = task.train().rows(first, 0, first.length);
        int firstAnswer = task.firstAnswerPosition(), nAnswer = task.nDigits() + 1;

        long budgetNs = (long) (minutes * 60e9);
        List<Point> points = new ArrayList<>();
        StringBuilder md = new StringBuilder();
        System.out.println("machine: " + Bench.machine() + "; load " + Bench.loadAverage());
        System.out.printf("addition-long: %.1f min budget, %d steps/epoch, eval every %d epochs%n", minutes,
                stepsPerEpoch, EVAL_EPOCHS);
        long[] excluded = {0};
        long start = System.nanoTime();
        double[][] pendingTest = {null};
        TrainingListener listener = new TrainingListener() {
            Map<String, Double> lastEval;

            @Override
            public void onEval(long step, long total, Map<String, Double> metrics) {
                lastEval = metrics;
            }

            @Override
            public void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal) {
                long t0 = System.nanoTime();
                double wall = (t0 - start - excluded[0]) / 1e9;
                Map<String, Double> m = lastEval == null ? metrics : lastEval;
                double[] testDigits = new double[nAnswer];
                for (int i = 0; i < nAnswer; i++) {
                    testDigits[i] = m.getOrDefault("test_acc_pos" + i, Double.NaN);
                }
                double[] trainDigits = trainDigits(cfg, state.weights(), trainEval, firstAnswer, nAnswer);
                double trainAcc = java.util.Arrays.stream(trainDigits).average().orElse(Double.NaN);
                Point p = new Point(state.step(), state.step() / (double) stepsPerEpoch, wall,
                        m.getOrDefault("loss", Double.NaN), trainAcc, trainDigits,
                        m.getOrDefault("test_acc", Double.NaN), testDigits);
                points.add(p);
                System.out.println(format(p));
                excluded[0] += System.nanoTime() - t0;
            }

            @Override
            public boolean cancelRequested() {
                return System.nanoTime() - start - excluded[0] > budgetNs;
            }
        };
        TrainingOutcome outcome = Trainer.train(spec, null, listener);
        double wall = (System.nanoTime() - start - excluded[0]) / 1e9;

        md.append("## Long run of the addition preset (").append(java.time.LocalDateTime.now().withNano(0))
                .append(")\n\n");
        md.append("- machine: ").append(Bench.machine()).append("; load average at end: ")
                .append(Bench.loadAverage()).append('\n');
        md.append(String.format("- budget %.1f min; reached step %d = epoch %.1f of 1000 in %.0f s of training wall "
                        + "time (%.1f steps/s, %.0f ms/step including the Trainer's test evaluations)%n", minutes,
                outcome.step(), outcome.step() / (double) stepsPerEpoch, wall, outcome.step() / wall,
                1000 * wall / outcome.step()));
        double fullH = t.steps() * wall / outcome.step() / 3600;
        md.append(String.format("- this JVM used %.0f CPU-s over %.0f s wall (%.2f cores on average; 1 thread "
                + "would be 1.00 on an idle machine)%n", Bench.cpuSeconds(), (System.nanoTime() - start) / 1e9,
                Bench.cpuSeconds() / ((System.nanoTime() - start) / 1e9)));
        md.append(String.format("- extrapolation: the seed's 1000 epochs (%d steps) would take ≈ %.1f h on this "
                + "machine at this rate%n", t.steps(), fullH));
        md.append("- train accuracy: first ").append(TRAIN_EVAL).append(" training pairs; test: the 2 000 test pairs; "
                + "digit 0 = least significant answer digit, digit 6 = the carry-out\n\n");
        StringBuilder head = new StringBuilder("| step | epoch | wall s | train loss | train acc | test acc |");
        StringBuilder sep = new StringBuilder("|---|---|---|---|---|---|");
        for (int i = 0; i < nAnswer; i++) {
            head.append(" d").append(i).append(" train/test |");
            sep.append("---|");
        }
        md.append(head).append('\n').append(sep).append('\n');
        for (Point p : points) {
            md.append(format(p)).append('\n');
        }
        System.out.println(md);
        return md.toString();
    }

    static String format(Point p) {
        StringBuilder s = new StringBuilder(String.format("| %d | %.0f | %.0f | %.4f | %.3f | %.3f |", p.step, p.epoch,
                p.wallS, p.loss, p.trainAcc, p.testAcc));
        for (int i = 0; i < p.testDigits.length; i++) {
            s.append(String.format(" %.2f / %.2f |", p.trainDigits[i], p.testDigits[i]));
        }
        return s.toString();
    }

    private static double[] trainDigits(Transformer.Config cfg, Map<String, INDArray> weights, TokenBatch batch,
                                        int firstAnswer, int nAnswer) {
        Map<String, INDArray> w = new java.util.LinkedHashMap<>();
        weights.forEach((k, v) -> w.put(k, v.castTo(DataType.FLOAT)));
        Transformer model = new Transformer(cfg, w);
        double[] correct = new double[nAnswer];
        int chunk = 512;
        for (int from = 0; from < batch.size(); from += chunk) {
            int to = Math.min(batch.size(), from + chunk);
            int[][] tok = java.util.Arrays.copyOfRange(batch.tokens(), from, to);
            int[][] tgt = java.util.Arrays.copyOfRange(batch.targets(), from, to);
            INDArray logits = model.logits(tok);
            int ctx = tok[0].length, v = (int) logits.size(2);
            float[] l = logits.dup('c').data().asFloat();
            for (int i = 0; i < tok.length; i++) {
                for (int j = 0; j < nAnswer; j++) {
                    int off = (i * ctx + firstAnswer + j) * v;
                    int best = 0;
                    for (int c = 1; c < v; c++) {
                        if (l[off + c] > l[off + best]) {
                            best = c;
                        }
                    }
                    correct[j] += best == tgt[i][firstAnswer + j] ? 1 : 0;
                }
            }
        }
        for (int j = 0; j < nAnswer; j++) {
            correct[j] /= batch.size();
        }
        return correct;
    }
}
