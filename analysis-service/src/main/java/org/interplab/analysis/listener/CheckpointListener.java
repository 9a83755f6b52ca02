package org.interplab.analysis.listener;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.analysis.jobs.AnalysisJobs;
import org.interplab.analysis.neuroscope.NeuroscopeService;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.Topics;
import org.interplab.service.EventKey;

/**
 * Records every published checkpoint as an analysis job (its circuit tables; for a language model the per-head
 * QK/OV summaries from their factors) and, for the final checkpoint of a language model, a Neuroscope scan job, and
 * returns: the work runs on the workers, never inside the Kafka poll. Idempotent (a replay finds the jobs there).
 * An event the trainer did not sign ({@link org.interplab.contracts.events.EventSignature}: unsigned, another key,
 * or a signature over another event) and an event that cannot be read at all record nothing and go to
 * checkpoints.published.dlq with the reason (inspect and replay it with GET/POST /dead-letters).
 */
@ApplicationScoped
public class CheckpointListener {
    @Inject
    AnalysisJobs jobs;
    @Inject
    NeuroscopeService neuroscope;
    @Inject
    EventKey key;

    @Incoming("checkpoints-published")
    @Blocking
    public void onCheckpoint(ConsumerRecord<String, String> record) {
        // only the trainer (holder of the event key) publishes checkpoints: a forged one becomes no job, so nothing
        // asks the trainer for a file it never wrote and no scan is planned
        key.check(Topics.CHECKPOINTS_PUBLISHED, record);
        String json = record.value();
        CheckpointPublished event = Json.read(json, CheckpointPublished.class);
        if (event.checkpointId() == null || event.spec() == null) {
            throw new IllegalArgumentException("checkpoints.published event without checkpointId or spec");
        }
        neuroscope.onCheckpoint(event); // only records a scan job (idempotent); workers scan it
        // a language model's d_vocab × d_vocab circuits are summarised from their factors (LmCircuits), never dense
        jobs.enqueue(event.checkpointId(), json);
    }
}
