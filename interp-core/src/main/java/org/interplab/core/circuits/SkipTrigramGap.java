package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.interplab.contracts.spec.TaskShapes;

/**
 * How well the best ensemble of skip-trigrams can do on a task's data (seed 003). A skip-trigram ensemble is a
 * multinomial logistic regression whose features are "token a at position p, destination token b" (b being the token
 * at the last position, where the answer is read off), plus a bias per output: exactly the functions a 1-layer
 * attention-only transformer would compute if it were a sum of skip-trigrams and bigrams. It is fitted by full-batch
 * gradient descent on the cross-entropy with a light L2 penalty.
 *
 * <p>Accuracy gives a tied maximum a share of the credit (1/number tied), so an ensemble that cannot tell the
 * answers apart scores chance level rather than whatever a tie-break would pick.
 */
public final class SkipTrigramGap {

    /** A sequence whose answer {@code target} (an output token index) is read off at its last position. */
    public record Example(int[] tokens, int target) {
    }

    /** Fitted ensemble's accuracy, mean probability of the correct answer and mean cross-entropy on the data. */
    public record Result(double accuracy, double meanCorrectProbability, double loss, int features, int steps) {
    }

    private static final double TIE_TOLERANCE = 1e-9;

    private SkipTrigramGap() {
    }

    /** Seed 003's four strings ACQT, ADQF, BCQF, BDQT, built from the task's token labels. */
    public static List<Example> xorExamples(TaskShapes.Shape shape) {
        List<String> in = shape.inputTokens(), out = shape.outputTokens();
        int q = in.indexOf("Q"), t = out.indexOf("T"), f = out.indexOf("F");
        List<Example> examples = new ArrayList<>();
        for (String first : List.of("A", "B")) {
            for (String second : List.of("C", "D")) {
                boolean isTrue = first.equals("A") == second.equals("C");
                examples.add(new Example(new int[] {in.indexOf(first), in.indexOf(second), q}, isTrue ? t : f));
            }
        }
        return examples;
    }

    public static Result fit(List<Example> data, int dVocab, int dVocabOut) {
        return fit(data, dVocab, dVocabOut, 3000, 0.5, 1e-4);
    }

    public static Result fit(List<Example> data, int dVocab, int dVocabOut, int steps, double learningRate,
                             double l2) {
        int maxLength = data.stream().mapToInt(e -> e.tokens().length).max().orElseThrow();
        int features = maxLength * dVocab * dVocab;
        int[][] active = new int[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            int[] tokens = data.get(i).tokens();
            int destination = tokens[tokens.length - 1];
            active[i] = new int[tokens.length];
            for (int p = 0; p < tokens.length; p++) {
                active[i][p] = (p * dVocab + tokens[p]) * dVocab + destination;
            }
        }
        double[][] w = new double[features][dVocabOut];
        double[] bias = new double[dVocabOut];
        double[][] gradW = new double[features][dVocabOut];
        double[] gradB = new double[dVocabOut];
        double n = data.size();
        for (int step = 0; step < steps; step++) {
            for (double[] row : gradW) {
                Arrays.fill(row, 0);
            }
            Arrays.fill(gradB, 0);
            for (int i = 0; i < data.size(); i++) {
                double[] p = softmax(logits(active[i], w, bias));
                p[data.get(i).target()] -= 1;
                for (int o = 0; o < dVocabOut; o++) {
                    gradB[o] += p[o] / n;
                    for (int f : active[i]) {
                        gradW[f][o] += p[o] / n;
                    }
                }
            }
            for (int f = 0; f < features; f++) {
                for (int o = 0; o < dVocabOut; o++) {
                    w[f][o] -= learningRate * (gradW[f][o] + l2 * w[f][o]);
                }
            }
            for (int o = 0; o < dVocabOut; o++) {
                bias[o] -= learningRate * gradB[o];
            }
        }
        double correct = 0, probability = 0, loss = 0;
        for (int i = 0; i < data.size(); i++) {
            double[] z = logits(active[i], w, bias);
            double[] p = softmax(z);
            int target = data.get(i).target();
            probability += p[target];
            loss -= Math.log(p[target]);
            double max = Arrays.stream(z).max().orElseThrow();
            long tied = Arrays.stream(z).filter(v -> max - v <= TIE_TOLERANCE * Math.max(1, Math.abs(max))).count();
            if (max - z[target] <= TIE_TOLERANCE * Math.max(1, Math.abs(max))) {
                correct += 1.0 / tied;
            }
        }
        return new Result(correct / n, probability / n, loss / n, features, steps);
    }

    /**
     * The table {@code skip_trigram_gap}: what the best skip-trigram ensemble achieves on the task's data, to set
     * against the model's accuracy. Depends on the task only, not on the weights.
     */
    public static CircuitTable table(List<Example> data, int dVocab, int dVocabOut, String dataName) {
        Result r = fit(data, dVocab, dVocabOut);
        return new CircuitTable("skip_trigram_gap", "skip_trigram_gap", "Best skip-trigram ensemble on " + dataName,
                "Multinomial logistic regression on the features \"token a at position p, destination token b\" "
                        + "(b = last token), fitted by gradient descent (" + r.steps() + " steps, L2 1e-4) on "
                        + data.size() + " sequences; accuracy counts a tie as a shared guess. Seed 003: on XOR no "
                        + "ensemble of skip-trigrams beats 50 %, while a 1-layer 2-head transformer reaches 100 %.",
                "model", "metric", List.of("skip-trigram ensemble"),
                List.of("accuracy", "mean p(correct)", "cross-entropy"),
                new double[][] {{r.accuracy(), r.meanCorrectProbability(), r.loss()}});
    }

    private static double[] logits(int[] active, double[][] w, double[] bias) {
        double[] z = bias.clone();
        for (int f : active) {
            for (int o = 0; o < z.length; o++) {
                z[o] += w[f][o];
            }
        }
        return z;
    }

    private static double[] softmax(double[] z) {
        double max = Arrays.stream(z).max().orElseThrow();
        double sum = 0;
        double[] p = new double[z.length];
        for (int o = 0; o < z.length; o++) {
            p[o] = Math.exp(z[o] - max);
            sum += p[o];
        }
        for (int o = 0; o < z.length; o++) {
            p[o] /= sum;
        }
        return p;
    }
}
