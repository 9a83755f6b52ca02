package org.interplab.core.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.LongPredicate;

/** Collects what a run reports; optionally cancels once a condition on the last checkpoint step holds. */
final class RecordingListener implements TrainingListener {
    final List<Long> evalSteps = new ArrayList<>();
    final List<Map<String, Double>> evals = new ArrayList<>();
    final List<ModelState> checkpoints = new ArrayList<>();
    final List<Boolean> finals = new ArrayList<>();
    private final LongPredicate cancelAfterCheckpoint;
    private boolean cancel;

    RecordingListener() {
        this(step -> false);
    }

    RecordingListener(LongPredicate cancelAfterCheckpoint) {
        this.cancelAfterCheckpoint = cancelAfterCheckpoint;
    }

    @Override
    public void onEval(long step, long totalSteps, Map<String, Double> metrics) {
        evalSteps.add(step);
        evals.add(metrics);
    }

    @Override
    public void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal) {
        checkpoints.add(state);
        finals.add(isFinal);
        if (cancelAfterCheckpoint.test(state.step())) {
            cancel = true;
        }
    }

    @Override
    public boolean cancelRequested() {
        return cancel;
    }

    Map<String, Double> last() {
        return evals.get(evals.size() - 1);
    }
}
