package org.interplab.contracts.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One point of a training run's life: an evaluation (metrics at a step) or a status change. Consumers upsert by
 * (experimentId, step), so a replayed event changes nothing. {@code samples}: for a language model, text the model
 * generated at a checkpoint of this step (e.g. {@code greedy}, {@code temperature_0.8}); null otherwise.
 */
public record TrainingProgress(UUID experimentId, RunStatus status, long step, long totalSteps,
                               Map<String, Double> metrics, String message, String backend, Instant at,
                               String codeVersion, Map<String, String> samples) {

    /** An event without generated samples (every event of a non-LM run; LM events between checkpoints). */
    public TrainingProgress(UUID experimentId, RunStatus status, long step, long totalSteps,
                            Map<String, Double> metrics, String message, String backend, Instant at,
                            String codeVersion) {
        this(experimentId, status, step, totalSteps, metrics, message, backend, at, codeVersion, null);
    }

    /** An event that does not say which code trained (events from before codeVersion existed read this way too). */
    public TrainingProgress(UUID experimentId, RunStatus status, long step, long totalSteps,
                            Map<String, Double> metrics, String message, String backend, Instant at) {
        this(experimentId, status, step, totalSteps, metrics, message, backend, at, null, null);
    }
}
