package org.interplab.analysis.listener;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.analysis.jobs.AnalysisJobs;
import org.interplab.analysis.neuroscope.NeuroscopeService;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;

/**
 * Records every published checkpoint as an analysis job (its circuit tables; for a language model the per-head
 * QK/OV summaries from their factors) and, for the final checkpoint of a language model, a Neuroscope scan job, and
 * returns: the work runs on the workers, never inside the Kafka poll. Idempotent (a replay
 * finds the jobs there). Only an event that cannot be read at all goes to checkpoints.published.dlq (inspect and
 * replay it with GET/POST /dead-letters).
 */
@ApplicationScoped
public class CheckpointListener {
    @Inject
    AnalysisJobs jobs;
    @Inject
    NeuroscopeService neuroscope;

    @Incoming("checkpoints-published")
    @Blocking
    public void onCheckpoint(String json) {
        CheckpointPublished event = Json.read(json, CheckpointPublished.class);
        if (event.checkpointId() == null || event.spec() == null) {
            throw new IllegalArgumentException("checkpoints.published event without checkpointId or spec");
        }
        neuroscope.onCheckpoint(event); // only records a scan job (idempotent); workers scan it
        // a language model's d_vocab × d_vocab circuits are summarised from their factors (LmCircuits), never dense
        jobs.enqueue(event.checkpointId(), json);
    }
}
