package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.interplab.contracts.spec.ExperimentSpec;
import org.junit.jupiter.api.Test;

/** Seeds 000/002: two heads with d_head 1 solve the OV-coherent task on held-out sequences. */
class OvCoherentTrainingTest {

    @Test
    void twoHeadsOfDimensionOneSolveHeldOutSequences() {
        ExperimentSpec spec = TestSpecs.preset("ov-coherent", 1);
        long start = System.nanoTime();
        TrainingOutcome outcome = Trainer.train(spec, null, new RecordingListener());
        System.out.printf("ov-coherent: %.1f s, %s%n", (System.nanoTime() - start) / 1e9, outcome.finalMetrics());
        assertTrue(outcome.finalMetrics().get("test_acc") >= 0.99, outcome.finalMetrics().toString());
    }
}
