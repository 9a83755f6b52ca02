package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The TMS paper's introduction setting (5 features, 2 hidden dimensions, importance 0.9^j): dense features are
 * stored one per dimension, only the 2 most important; sparse features go into superposition, more than 2 of them.
 */
class TmsTrainingTest {
    static final int INSTANCES = 6;
    static final int STEPS = Integer.getInteger("tms.test.steps", 1000);
    static final int BATCH = Integer.getInteger("tms.test.batch", 256);

    /** tms-intro with one feature probability for all instances and a shorter, faster schedule. */
    static ExperimentSpec intro(double p, long seed) {
        ExperimentSpec base = TestSpecs.preset("tms-intro", seed);
        TaskSpec t = base.task();
        TaskSpec task = new TaskSpec("tms", null, null, null, null, t.nFeatures(), p, t.importanceDecay(), null);
        ModelSpec m = base.model();
        ModelSpec model = new ModelSpec("tms", null, null, null, null, null, null, null, null, null, null, null,
                m.actFn(), null, INSTANCES, m.nHidden(), 0.0, 0.0);
        TrainingSpec tr = base.training();
        TrainingSpec training = new TrainingSpec("adamw", 0.01, 0.0, tr.beta1(), tr.beta2(), "constant", null,
                BATCH, STEPS, STEPS / 4, "every", STEPS / 2);
        return new ExperimentSpec("tms-intro-test", task, model, training, seed, List.of());
    }

    /** ‖W_i‖ per instance and feature. */
    static double[][] featureNorms(INDArray w) {
        INDArray norms = w.castTo(DataType.DOUBLE).norm2(2); // [instances, features]
        return norms.toDoubleMatrix();
    }

    static int represented(double[] norms) {
        int n = 0;
        for (double v : norms) {
            n += v > 0.5 ? 1 : 0;
        }
        return n;
    }

    @Test
    void sparseFeaturesGoIntoSuperpositionDenseOnesDoNot() {
        long start = System.nanoTime();
        RecordingListener dense = new RecordingListener();
        TrainingOutcome denseRun = Trainer.train(intro(1.0, 1), null, dense);
        RecordingListener sparse = new RecordingListener();
        TrainingOutcome sparseRun = Trainer.train(intro(0.05, 1), null, sparse);
        System.out.printf("tms intro, %d steps ×2: %.1f s%n", STEPS, (System.nanoTime() - start) / 1e9);

        INDArray wDense = dense.checkpoints.get(dense.checkpoints.size() - 1).weights().get("W");
        INDArray wSparse = sparse.checkpoints.get(sparse.checkpoints.size() - 1).weights().get("W");
        assertArrayEquals(new long[] {INSTANCES, 5, 2}, wDense.shape());
        assertArrayEquals(new long[] {INSTANCES, 5},
                dense.checkpoints.get(0).weights().get("b_final").shape());
        double[][] nDense = featureNorms(wDense);
        double[][] nSparse = featureNorms(wSparse);
        List<Integer> countsDense = new ArrayList<>(), countsSparse = new ArrayList<>();
        for (int i = 0; i < INSTANCES; i++) {
            countsDense.add(represented(nDense[i]));
            countsSparse.add(represented(nSparse[i]));
            System.out.printf("instance %d dense %s sparse %s%n", i, java.util.Arrays.toString(nDense[i]),
                    java.util.Arrays.toString(nSparse[i]));
        }
        System.out.println("dense " + denseRun.finalMetrics() + "\nsparse " + sparseRun.finalMetrics());
        // dense: at most n_hidden = 2 features, and they are the two most important ones (0 and 1), every instance
        for (int i = 0; i < INSTANCES; i++) {
            assertTrue(countsDense.get(i) <= 2, "dense instance " + i + " stores " + countsDense.get(i));
            assertTrue(nDense[i][0] > 0.5 && nDense[i][1] > 0.5, "dense instance " + i + " lacks feature 0 or 1");
        }
        // sparse: superposition, more features than dimensions, in most instances
        long superposed = countsSparse.stream().filter(c -> c > 2).count();
        assertTrue(superposed * 2 > INSTANCES, "sparse counts " + countsSparse);
        // training moved the loss down
        assertTrue(denseRun.finalMetrics().get("test_loss") < dense.evals.get(0).get("test_loss") / 2);
        assertTrue(sparseRun.finalMetrics().get("test_loss") < sparse.evals.get(0).get("test_loss") / 2);
        assertEquals(INSTANCES + 1, sparseRun.finalMetrics().keySet().stream().filter(k -> k.startsWith("test_loss"))
                .count());
    }
}
