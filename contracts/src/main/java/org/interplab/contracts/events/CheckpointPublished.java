package org.interplab.contracts.events;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.spec.ExperimentSpec;

/**
 * A checkpoint is stored by the trainer and can be downloaded from its REST API. {@code experimentId} is null for
 * an uploaded model. The spec travels along so that analysis needs nothing but the checkpoint and this event.
 */
public record CheckpointPublished(UUID checkpointId, UUID experimentId, long step, boolean finalCheckpoint,
                                  Map<String, Double> metrics, ExperimentSpec spec, Instant at) {
}
