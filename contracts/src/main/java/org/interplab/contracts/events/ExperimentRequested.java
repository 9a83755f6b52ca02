package org.interplab.contracts.events;

import java.time.Instant;
import java.util.UUID;
import org.interplab.contracts.spec.ExperimentSpec;

/** An experiment was stored by the dashboard and should be trained. Replays are harmless: the trainer keys jobs by id. */
public record ExperimentRequested(UUID experimentId, ExperimentSpec spec, Instant requestedAt) {
}
