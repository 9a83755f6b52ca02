package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Seed 003: a 1-layer, 2-head attention-only transformer learns XOR, which no ensemble of skip-trigrams can. */
class XorTrainingTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void xorPresetReachesFullAccuracy(long seed) {
        ExperimentSpec spec = Presets.expand("xor", seed, null);
        RecordingListener listener = new RecordingListener();
        long start = System.nanoTime();
        TrainingOutcome outcome = Trainer.train(spec, null, listener);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("xor seed %d: %.2f s, %s%n", seed, seconds, outcome.finalMetrics());
        assertEquals(spec.training().steps().longValue(), outcome.step());
        assertEquals(1.0, outcome.finalMetrics().get("test_acc"), "seed " + seed);
        assertTrue(outcome.finalMetrics().get("test_loss") < 0.05, "test loss " + outcome.finalMetrics());
        // it starts at chance: the 50 % a skip-trigram model is limited to
        assertTrue(listener.evals.get(0).get("test_loss") > 0.3);
        // the final checkpoint's float32 weights evaluate to the same test metrics
        ModelState last = listener.checkpoints.get(listener.checkpoints.size() - 1);
        assertTrue(listener.finals.get(listener.finals.size() - 1));
        java.util.Map<String, Double> evaluated = Trainer.evaluate(spec, last.weights());
        assertEquals(outcome.finalMetrics().get("test_acc"), evaluated.get("test_acc"));
        assertEquals(outcome.finalMetrics().get("test_loss"), evaluated.get("test_loss"), 1e-9);
        // TransformerLens names and shapes: d_vocab 5, d_model 16, 2 heads × d_head 4, d_vocab_out 2
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {5, 16}, last.weights().get("embed.W_E").shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {2, 16, 4},
                last.weights().get("blocks.0.attn.W_Q").shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {2, 4, 16},
                last.weights().get("blocks.0.attn.W_O").shape());
        org.junit.jupiter.api.Assertions.assertArrayEquals(new long[] {16, 2}, last.weights().get("unembed.W_U").shape());
    }
}
