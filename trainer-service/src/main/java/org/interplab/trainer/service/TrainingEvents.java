package org.interplab.trainer.service;

import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.UUID;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.TrainingProgress;

/**
 * Publishes the trainer's events, keyed by experiment id, after the database write they describe committed, and
 * waits for the broker's acknowledgement so that a published event is really on the topic.
 */
@ApplicationScoped
public class TrainingEvents {
    @Inject
    @Channel("training-progress")
    MutinyEmitter<String> progress;

    @Inject
    @Channel("checkpoints-published")
    MutinyEmitter<String> checkpoints;

    public void progress(TrainingProgress event) {
        progress.sendMessageAndAwait(KafkaRecord.of(event.experimentId().toString(), Json.write(event)));
    }

    public void checkpoint(CheckpointPublished event) {
        UUID key = event.experimentId() != null ? event.experimentId() : event.checkpointId();
        checkpoints.sendMessageAndAwait(KafkaRecord.of(key.toString(), Json.write(event)));
    }
}
