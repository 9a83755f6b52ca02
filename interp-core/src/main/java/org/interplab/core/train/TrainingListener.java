package org.interplab.core.train;

import java.util.Map;

/** What a training run reports while it runs. Called on the training thread; keep implementations quick. */
public interface TrainingListener {
    /**
     * Metrics at an evaluation step. Names: {@code loss} (train, this step), {@code test_loss}, {@code test_acc},
     * {@code train_acc}, and per answer position {@code test_acc_pos<i>} where that means something; toy models
     * (tms, cis) report {@code test_loss_I<i>} per model instance.
     */
    void onEval(long step, long totalSteps, Map<String, Double> metrics);

    /** A checkpoint is due (on the spec's schedule, and always at the end with {@code isFinal}). */
    void onCheckpoint(ModelState state, Map<String, Double> metrics, boolean isFinal);

    /** Polled between steps; true stops the run after the current step (no final checkpoint). */
    boolean cancelRequested();
}
