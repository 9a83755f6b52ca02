package org.interplab.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.trainer.outbox.EventOutbox;

/**
 * The trainer's events, keyed by experiment id. They go to the outbox table (in the caller's transaction when there
 * is one) and {@link org.interplab.trainer.outbox.EventRelay} publishes them in order; a training thread never waits
 * for the broker, so a broker outage cannot fail a run.
 */
@ApplicationScoped
public class TrainingEvents {
    public static final String PROGRESS = "training-progress";
    public static final String CHECKPOINTS = "checkpoints-published";

    @Inject
    EventOutbox outbox;

    @Transactional
    public void progress(TrainingProgress event) {
        outbox.add(PROGRESS, event.experimentId().toString(), Json.write(event));
    }

    @Transactional
    public void checkpoint(CheckpointPublished event) {
        UUID key = event.experimentId() != null ? event.experimentId() : event.checkpointId();
        outbox.add(CHECKPOINTS, key.toString(), Json.write(event));
    }
}
