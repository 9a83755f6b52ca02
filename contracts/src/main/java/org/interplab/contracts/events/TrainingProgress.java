package org.interplab.contracts.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * One point of a training run's life: an evaluation (metrics at a step) or a status change. Consumers upsert by
 * (experimentId, step), so a replayed event changes nothing.
 */
public record TrainingProgress(UUID experimentId, RunStatus status, long step, long totalSteps,
                               Map<String, Double> metrics, String message, String backend, Instant at) {
}
