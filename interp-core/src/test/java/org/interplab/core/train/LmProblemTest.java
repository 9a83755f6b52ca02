package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.corpus.StoryGenerator;
import org.interplab.core.corpus.TokenCorpora;
import org.interplab.core.corpus.TokenCorpus;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class LmProblemTest {
    static final String CORPUS = "lm-problem-test";

    @BeforeAll
    static void smallCorpus() throws Exception {
        ByteArrayOutputStream train = new ByteArrayOutputStream();
        ByteArrayOutputStream validation = new ByteArrayOutputStream();
        new StoryGenerator(3).tokenize(400, train, validation, (d, t) -> { });
        TokenCorpora.put(new TokenCorpus(CORPUS, TokenCorpus.readTokens(new ByteArrayInputStream(train.toByteArray())),
                TokenCorpus.readTokens(new ByteArrayInputStream(validation.toByteArray()))));
    }

    /** A tiny override of tinystories-1l on the small test corpus. */
    static ExperimentSpec tiny(int steps, String more) throws Exception {
        ObjectNode overrides = (ObjectNode) Json.MAPPER.readTree("{\"task\":{\"corpus\":\"" + CORPUS + "\"},"
                + "\"model\":{\"nHeads\":2,\"dHead\":8,\"dModel\":16,\"nCtx\":16,\"dMlp\":64},"
                + "\"training\":{\"batchSize\":8,\"steps\":" + steps + ",\"evalEvery\":" + Math.max(1, steps / 4)
                + ",\"warmupSteps\":0,\"lr\":0.01" + more + "}}");
        return Presets.expand("tinystories-1l", 4L, overrides);
    }

    @Test
    void windowsComeFromTheTrainSplitAndTargetsAreTheNextTokens() {
        char[] train = new char[500];
        for (int i = 0; i < train.length; i++) {
            train[i] = (char) i;
        }
        TokenBatch b = LmProblem.trainWindows(train, 8, 64, new Rng(1));
        for (int i = 0; i < b.size(); i++) {
            int start = b.tokens()[i][0];
            for (int p = 0; p < 8; p++) {
                assertEquals(start + p, b.tokens()[i][p]);
                assertEquals(start + p + 1, b.targets()[i][p]);
            }
            assertTrue(start + 8 < train.length);
        }
        TokenBatch again = LmProblem.trainWindows(train, 8, 64, new Rng(1));
        assertArrayEquals(b.tokens(), again.tokens());
    }

    @Test
    void trainingBatchesNeverTouchTheValidationSplit() throws Exception {
        char[] train = new char[300];
        char[] validation = new char[300];
        for (int i = 0; i < 300; i++) {
            train[i] = (char) (i % 100);
            validation[i] = (char) (1000 + i % 100);
        }
        TokenCorpus c = new TokenCorpus("disjoint", train, validation);
        LmProblem problem = new LmProblem(tiny(4, ""), c);
        Rng rng = new Rng(9);
        for (int k = 0; k < 20; k++) {
            for (int[] row : LmProblem.trainWindows(c.train(), 16, 8, rng).tokens()) {
                for (int t : row) {
                    assertTrue(t < 100, "train token " + t);
                }
            }
        }
        TokenBatch val = LmProblem.validationWindows(validation, 16, 4L);
        for (int[] row : val.tokens()) {
            for (int t : row) {
                assertTrue(t >= 1000, "validation token " + t);
            }
        }
        assertEquals(LmProblem.VALIDATION_WINDOWS, val.size());
        assertTrue(problem.evaluate(problem.init(4L)).containsKey("unigram_val_loss"));
    }

    @Test
    void unigramBaselineMatchesAHandComputation() {
        // train: token 1 three times, token 2 once (N = 4); targets: 1, 2, 3 → p = 4/(4+V), 2/(4+V), 1/(4+V)
        char[] train = {1, 1, 1, 2};
        TokenBatch val = new TokenBatch(new int[][] {{0, 0, 0, 0}}, new int[][] {{1, 2, TokenBatch.NO_LOSS, 3}});
        double v = Gpt2Tokenizer.VOCAB;
        double expected = (-Math.log(4 / (4 + v)) - Math.log(2 / (4 + v)) - Math.log(1 / (4 + v))) / 3;
        assertEquals(expected, LmProblem.unigramLoss(train, val), 1e-12);
    }

    @Test
    void shortValidationSplitIsOnePaddedWindow() {
        TokenBatch b = LmProblem.validationWindows(new char[] {5, 6, 7}, 8, 1L);
        assertEquals(1, b.size());
        assertArrayEquals(new int[] {5, 6, 50256, 50256, 50256, 50256, 50256, 50256}, b.tokens()[0]);
        assertArrayEquals(new int[] {6, 7, -1, -1, -1, -1, -1, -1}, b.targets()[0]);
    }

    @Test
    void aTinyLmLearnsAndReportsItsMetricsAndSamples() throws Exception {
        RecordingListener run = new RecordingListener();
        ExperimentSpec spec = tiny(40, "");
        Trainer.train(spec, null, run);
        Map<String, Double> first = run.evals.get(0);
        Map<String, Double> last = run.evals.get(run.evals.size() - 1);
        assertTrue(first.get("val_loss") > 10, "starts near ln(50257) = 10.8: " + first);
        assertTrue(last.get("val_loss") < first.get("val_loss") - 1, "learns: " + first + " → " + last);
        assertEquals(first.get("unigram_val_loss"), last.get("unigram_val_loss"));
        assertTrue(last.get("tokens_per_s") > 0, last.toString());
        assertEquals(last.get("loss"), last.get("train_loss"));
        Map<String, INDArray> weights = run.checkpoints.get(run.checkpoints.size() - 1).weights();
        Map<String, String> samples = LmProblem.samples(spec, weights);
        assertEquals(List.of("greedy", "temperature_0.8"), List.copyOf(samples.keySet()));
        samples.values().forEach(s -> assertTrue(s.startsWith(LmProblem.SAMPLE_PROMPT), s));
        assertEquals(samples, LmProblem.samples(spec, weights), "seeded: the same samples again");
    }

    @Test
    void aResumedRunDrawsTheSameWindows() throws Exception {
        ExperimentSpec spec = tiny(8, ",\"checkpoints\":\"every\",\"checkpointEvery\":4,\"evalEvery\":4");
        RecordingListener whole = new RecordingListener();
        Trainer.train(spec, null, whole);
        ModelState atTen = whole.checkpoints.stream().filter(c -> c.step() == 4).findFirst().orElseThrow();
        RecordingListener resumed = new RecordingListener();
        Trainer.train(spec, atTen, resumed);
        Map<String, INDArray> a = whole.checkpoints.get(whole.checkpoints.size() - 1).weights();
        Map<String, INDArray> b = resumed.checkpoints.get(resumed.checkpoints.size() - 1).weights();
        assertEquals(whole.evals.get(whole.evals.size() - 1).get("val_loss"),
                resumed.evals.get(resumed.evals.size() - 1).get("val_loss"), 1e-6);
        a.forEach((name, w) -> assertTrue(w.equalsWithEps(b.get(name), 1e-6), name));
    }
}
