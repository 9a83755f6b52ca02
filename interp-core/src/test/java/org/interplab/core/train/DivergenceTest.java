package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A run whose loss stops being finite ends with the step and the reason; no checkpoint after it is handed out. */
class DivergenceTest {

    /** One weight; the loss is finite until {@code badStep}, then {@code badLoss}. */
    private static Problem lossTurns(long badStep, double badLoss) {
        return new Problem() {
            @Override
            public Map<String, INDArray> init(long seed) {
                Map<String, INDArray> w = new LinkedHashMap<>();
                w.put("w", Nd4j.ones(Nd4j.defaultFloatingPointType(), 1));
                return w;
            }

            @Override
            public int trainSize() {
                return 0;
            }

            @Override
            public StepResult trainStep(Map<String, INDArray> weights, int[] indices, Rng rng, long step,
                                        boolean withMetrics) {
                double loss = step >= badStep ? badLoss : 1.0 / (step + 1);
                return new StepResult(loss, Map.of("w", Nd4j.ones(Nd4j.defaultFloatingPointType(), 1)), Map.of());
            }

            @Override
            public Map<String, Double> evaluate(Map<String, INDArray> weights) {
                return Map.of("test_loss", 1.0);
            }
        };
    }

    @Test
    void nanInfinityAndExplodingLossesEndTheRunAtTheirStep() {
        ExperimentSpec spec = TestSpecs.preset("xor", 1);
        for (double bad : new double[] {Double.NaN, Double.POSITIVE_INFINITY, 3.4e25}) {
            RecordingListener listener = new RecordingListener();
            Trainer.DivergedException e = assertThrows(Trainer.DivergedException.class,
                    () -> Trainer.train(spec, null, listener, lossTurns(7, bad)));
            assertEquals(7, e.step());
            assertTrue(e.getMessage().contains("step 7"), e.getMessage());
            assertTrue(listener.checkpoints.stream().allMatch(c -> c.step() <= 7), "no checkpoint after step 7");
            assertTrue(listener.finals.stream().noneMatch(f -> f), "no final checkpoint for a diverged run");
        }
    }

    @Test
    void aLargeButPlausibleLossTrainsOn() {
        ExperimentSpec spec = TestSpecs.preset("xor", 1);
        RecordingListener listener = new RecordingListener();
        Trainer.train(spec, null, listener, lossTurns(3, 1e4));
        assertTrue(listener.finals.contains(true));
    }
}
