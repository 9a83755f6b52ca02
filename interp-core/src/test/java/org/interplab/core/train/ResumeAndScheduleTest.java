package org.interplab.core.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.TrainingSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

class ResumeAndScheduleTest {

    /** A small ov-coherent run: 300 training sequences, batch 64 → 5 steps per pass, checkpoint every 7 steps. */
    private static ExperimentSpec smallRun(String optimizer, String schedule) {
        ExperimentSpec base = TestSpecs.preset("ov-coherent", 5);
        TaskSpec task = new TaskSpec("ov-coherent", 5, null, 300, 200, null, null, null, null);
        TrainingSpec t = new TrainingSpec(optimizer, 0.01, 0.05, 0.9, 0.98, schedule, 4, 64, 30, 5, "every", 7);
        return new ExperimentSpec("resume", task, base.model(), t, 5L, List.of());
    }

    @Test
    void resumedRunEndsExactlyLikeAnUninterruptedOne() {
        ExperimentSpec spec = smallRun("adamw", "cosine");
        RecordingListener full = new RecordingListener();
        TrainingOutcome uninterrupted = Trainer.train(spec, null, full);
        assertFalse(uninterrupted.cancelled());
        assertEquals(30, uninterrupted.step());

        // stop after the checkpoint at step 14 (mid-pass: 14 % 5 = 4), then resume from it
        RecordingListener first = new RecordingListener(step -> step == 14);
        TrainingOutcome stopped = Trainer.train(spec, null, first);
        assertTrue(stopped.cancelled());
        assertEquals(14, stopped.step());
        assertFalse(first.finals.contains(true), "a cancelled run has no final checkpoint");
        ModelState at14 = first.checkpoints.get(first.checkpoints.size() - 1);
        assertEquals(14, at14.step());
        assertTrue(at14.optimizerState().containsKey("adam.m.blocks.0.attn.W_Q"));
        assertEquals(DataType.FLOAT, at14.weights().get("embed.W_E").dataType());

        RecordingListener rest = new RecordingListener();
        TrainingOutcome resumed = Trainer.train(spec, at14, rest);
        assertEquals(30, resumed.step());
        assertEquals(uninterrupted.finalMetrics(), resumed.finalMetrics());
        assertArraysEqual(full.checkpoints.get(full.checkpoints.size() - 1).weights(),
                rest.checkpoints.get(rest.checkpoints.size() - 1).weights());
        // training actually moved the weights
        assertTrue(uninterrupted.finalMetrics().get("test_loss") < full.evals.get(0).get("test_loss"));
    }

    @Test
    void sameSeedSameRunAndCheckpointsEveryN() {
        ExperimentSpec spec = smallRun("adam", "linear-warmup");
        RecordingListener a = new RecordingListener();
        RecordingListener b = new RecordingListener();
        Trainer.train(spec, null, a);
        Trainer.train(spec, null, b);
        assertEquals(a.evals, b.evals);
        List<Long> steps = new ArrayList<>();
        a.checkpoints.forEach(s -> steps.add(s.step()));
        assertEquals(List.of(0L, 7L, 14L, 21L, 28L, 30L), steps);
        assertEquals(List.of(false, false, false, false, false, true), a.finals);
        assertEquals(List.of(0L, 5L, 10L, 15L, 20L, 25L, 30L), a.evalSteps);
        Map<String, Double> other = Trainer.train(spec.withSeed(6), null, new RecordingListener()).finalMetrics();
        assertTrue(!other.equals(a.last()), "another seed gives another run");
    }

    @Test
    void geometricCheckpointScheduleFollowsTheSeedNotebooks() {
        CheckpointSchedule s = new CheckpointSchedule("geometric", null);
        List<Long> due = new ArrayList<>();
        for (long step = 0; step <= 40; step++) {
            if (s.isDue(step)) {
                due.add(step);
            }
        }
        // every step to 11, then next = max(next+1, floor(next·1.1)): 12 13 14 15 16 17 18 19 20 22 24 26 28 30 33 36 39
        assertEquals(List.of(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L, 12L, 13L, 14L, 15L, 16L, 17L, 18L,
                19L, 20L, 22L, 24L, 26L, 28L, 30L, 33L, 36L, 39L), due);
    }

    @Test
    void learningRateSchedules() {
        LrSchedule cosine = new LrSchedule("cosine", 1.0, 10, 110);
        assertEquals(0.1, cosine.at(0), 1e-12);
        assertEquals(1.0, cosine.at(9), 1e-12);
        assertEquals(1.0, cosine.at(10), 1e-12);
        assertEquals(0.5, cosine.at(60), 1e-12);
        assertEquals(0.0, cosine.at(110), 1e-12);
        LrSchedule warm = new LrSchedule("linear-warmup", 2.0, 4, 100);
        assertEquals(1.0, warm.at(1), 1e-12);
        assertEquals(2.0, warm.at(50), 1e-12);
        assertEquals(3.0, new LrSchedule("constant", 3.0, 5, 100).at(0), 1e-12);
    }

    @Test
    void adamWDecaysWeightsSeparatelyFromTheUpdate() {
        // zero gradient: Adam's update is 0, so AdamW shrinks w by (1 − lr·wd) and plain Adam leaves it
        INDArray w = org.nd4j.linalg.factory.Nd4j.createFromArray(new float[] {2f, -4f});
        INDArray zero = w.ulike().assign(0);
        Adam.FlatParams p1 = new Adam.FlatParams(Map.of("w", w));
        new Adam(p1, true, 0.9, 0.999, 0.1).step(Map.of("w", zero), 0.5, 1);
        assertEquals(2 * 0.95, p1.views().get("w").getDouble(0), 1e-6);
        assertEquals(-4 * 0.95, p1.views().get("w").getDouble(1), 1e-6);
        // plain Adam with weight decay folds it into the gradient: g = wd·w, first step moves by lr·sign(g)
        Adam.FlatParams p2 = new Adam.FlatParams(Map.of("w", w));
        Adam adam = new Adam(p2, false, 0.9, 0.999, 0.1);
        adam.step(Map.of("w", zero), 0.5, 1);
        assertEquals(1.5, p2.views().get("w").getDouble(0), 1e-5);
        assertEquals(-3.5, p2.views().get("w").getDouble(1), 1e-5);
        // a non-zero gradient: m = (1−β1)·g, v = (1−β2)·g², first step moves by lr·g/|g| (bias-corrected)
        Map<String, INDArray> state = adam.exportState();
        assertEquals(0.1 * 0.1 * 2, state.get("adam.m.w").getDouble(0), 1e-6);
        assertEquals(0.001 * (0.1 * 2) * (0.1 * 2), state.get("adam.v.w").getDouble(0), 1e-8);
    }

    private static void assertArraysEqual(Map<String, INDArray> a, Map<String, INDArray> b) {
        assertEquals(a.keySet(), b.keySet());
        a.forEach((name, x) -> assertEquals(x, b.get(name), name));
    }
}
