package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Each seed-001 CiS preset learns its function. Thresholds are on the best of {@value #INSTANCES} instances' test MSE (an
 * instance can lose a ReLU neuron for good early on, or settle in a local minimum that serves one sign of x only) and are set against two references: the variance of the
 * target (the MSE of predicting its mean) and the floor of what the architecture can represent:
 * <ul>
 *   <li>abs (3 features, 6 hidden): |x| = ReLU(x) + ReLU(−x) exactly; variance 1/12 ≈ 0.083; bound 0.003.</li>
 *   <li>and, or (2 bits, 2 hidden): AND = ReLU(x + y − 1), OR = ReLU(x + y) − ReLU(x + y − 1), exact; variance
 *       3/16 ≈ 0.19; bound 0.01.</li>
 *   <li>square (3 features, 6 hidden): with two ReLUs per feature the best output is one hinge in |x|, floor
 *       ≈ 0.0011 (numerical fit of ReLU(a·ReLU(|x| − c) + b) to x²); variance 4/45 ≈ 0.089; bound 0.005.</li>
 *   <li>max-abs (2 features, 2 hidden): two ReLUs make one |x| and nothing else (seed 001: "learns a simpler
 *       representation"); the best prediction from |x| alone, E[max | |x| = a] = (1 + a²)/2, leaves MSE
 *       1/2 − 7/15 = 1/30 ≈ 0.033 (variance 1/18 ≈ 0.056); bound 0.036.</li>
 * </ul>
 */
class CisTrainingTest {
    static final int STEPS = Integer.getInteger("cis.test.steps", 2000);
    static final int INSTANCES = 8;

    @ParameterizedTest
    @CsvSource({"abs, 0.003", "and, 0.01", "or, 0.01", "square, 0.005", "max-abs, 0.036"})
    void presetLearnsItsFunction(String function, double bound) {
        ExperimentSpec base = TestSpecs.preset("cis-" + function, 3);
        TrainingSpec tr = base.training();
        TrainingSpec fast = new TrainingSpec("adamw", 0.003, 0.0, tr.beta1(), tr.beta2(), "constant", null, 256,
                STEPS, STEPS / 3, "every", STEPS);
        ModelSpec bm = base.model();
        ModelSpec model = new ModelSpec("cis", null, null, null, null, null, null, null, null, null, null, null,
                bm.actFn(), null, INSTANCES, bm.nHidden(), null, null);
        ExperimentSpec spec = new ExperimentSpec(base.name(), base.task(), model, fast, 3L, List.of());
        RecordingListener listener = new RecordingListener();
        long start = System.nanoTime();
        TrainingOutcome outcome = Trainer.train(spec, null, listener);
        Map<String, Double> m = outcome.finalMetrics();
        System.out.printf("cis %s: %.1f s, %s%n", function, (System.nanoTime() - start) / 1e9, m);
        double best = Double.MAX_VALUE;
        for (int i = 0; i < INSTANCES; i++) {
            best = Math.min(best, m.get("test_loss_I" + i));
        }
        assertTrue(best < bound, function + ": best instance test MSE " + best + " ≥ " + bound);
        assertTrue(m.get("test_loss") < listener.evals.get(0).get("test_loss"));
        int nOut = "abs".equals(function) || "square".equals(function) ? base.task().nFeatures() : 1;
        ModelState last = listener.checkpoints.get(listener.checkpoints.size() - 1);
        assertArrayEquals(new long[] {INSTANCES, base.task().nFeatures(), base.model().nHidden()},
                last.weights().get("W1").shape());
        assertArrayEquals(new long[] {INSTANCES, base.model().nHidden(), nOut}, last.weights().get("W2").shape());
        assertArrayEquals(new long[] {INSTANCES, nOut}, last.weights().get("b2").shape());
    }
}
