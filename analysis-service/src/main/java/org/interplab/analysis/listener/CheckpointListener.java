package org.interplab.analysis.listener;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.analysis.jobs.AnalysisJobs;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;

/**
 * Records every published checkpoint as an analysis job and returns: the analysis runs on the workers, never inside
 * the Kafka poll. Idempotent (a replay finds the job there). Only an event that cannot be read at all goes to
 * checkpoints.published.dlq (inspect and replay it with GET/POST /dead-letters).
 */
@ApplicationScoped
public class CheckpointListener {
    @Inject
    AnalysisJobs jobs;

    @Incoming("checkpoints-published")
    @Blocking
    public void onCheckpoint(String json) {
        CheckpointPublished event = Json.read(json, CheckpointPublished.class);
        if (event.checkpointId() == null || event.spec() == null) {
            throw new IllegalArgumentException("checkpoints.published event without checkpointId or spec");
        }
        jobs.enqueue(event.checkpointId(), json);
    }
}
