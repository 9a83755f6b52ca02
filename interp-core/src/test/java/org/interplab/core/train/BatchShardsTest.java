package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The addition preset's step and evaluation as {@link BatchShards} against the same on one thread: the same loss,
 * gradients (to float rounding: the shards sum in another order) and metrics.
 */
class BatchShardsTest {
    @AfterEach
    void oneShard() {
        BatchShards.set(1);
    }

    /**
     * The largest difference over the larger of the gradient's largest entry and 1 % of all gradients' largest (b_K's
     * gradient is exactly 0 in exact arithmetic — softmax ignores a shift shared by all keys — so its entries are
     * rounding noise).
     */
    private static double maxRelDiff(INDArray expected, INDArray actual, double floor) {
        double scale = Math.max(floor, expected.amaxNumber().doubleValue());
        return expected.sub(actual).amaxNumber().doubleValue() / scale;
    }

    @Test
    void shardsGiveTheWholeBatchsLossGradientsAndMetrics() {
        ExperimentSpec spec = Presets.expand("addition", 1L, null);
        TransformerProblem whole = new TransformerProblem(spec), sharded = new TransformerProblem(spec);
        Map<String, INDArray> weights = whole.init(7);
        int[] indices = new int[101]; // shards of 33, 34, 34 sequences (unequal weights)
        for (int i = 0; i < indices.length; i++) {
            indices[i] = (i * 37) % whole.trainSize();
        }
        Problem.StepResult one = whole.trainStep(weights, indices, null, 0, true);
        Map<String, INDArray> expected = new LinkedHashMap<>();
        one.grads().forEach((k, g) -> expected.put(k, g.dup()));
        double floor = 0.01 * expected.values().stream().mapToDouble(g -> g.amaxNumber().doubleValue()).max()
                .orElseThrow();
        for (int shards : new int[] {2, 3}) {
            BatchShards.set(shards);
            assertEquals(shards, BatchShards.forBatch(indices.length));
            for (int repeat = 0; repeat < 2; repeat++) { // the second time on reused buffers
                Problem.StepResult s = sharded.trainStep(weights, indices, null, repeat, true);
                assertEquals(one.loss(), s.loss(), 1e-6 * one.loss(), shards + " shards: loss");
                assertEquals(one.metrics(), s.metrics(), shards + " shards: train_acc");
                assertEquals(expected.keySet(), s.grads().keySet());
                for (String k : expected.keySet()) {
                    double d = maxRelDiff(expected.get(k), s.grads().get(k), floor);
                    assertTrue(d < 2e-5, shards + " shards: " + k + " differs by " + d + " of its largest entry");
                }
            }
        }
        BatchShards.set(1);
        Map<String, Double> evalOne = whole.evaluate(weights);
        BatchShards.set(2);
        Map<String, Double> evalTwo = sharded.evaluate(weights);
        assertEquals(evalOne.keySet(), evalTwo.keySet());
        for (String k : evalOne.keySet()) {
            assertEquals(evalOne.get(k), evalTwo.get(k), 1e-9 * Math.abs(evalOne.get(k)) + 1e-12, k);
        }
    }

    @Test
    void shardsAreAtLeast32SequencesAndTheCountIsChecked() {
        BatchShards.set(4);
        assertEquals(1, BatchShards.forBatch(4));
        assertEquals(1, BatchShards.forBatch(63));
        assertEquals(2, BatchShards.forBatch(64));
        assertEquals(4, BatchShards.forBatch(256));
        assertEquals(0, BatchShards.from(0, 3, 101));
        assertEquals(33, BatchShards.from(1, 3, 101));
        assertEquals(101, BatchShards.from(3, 3, 101));
        assertThrows(IllegalArgumentException.class, () -> BatchShards.set(0));
    }
}
