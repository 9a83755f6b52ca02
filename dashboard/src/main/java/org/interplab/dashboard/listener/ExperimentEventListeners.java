package org.interplab.dashboard.listener;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.dashboard.config.Channels;
import org.interplab.dashboard.service.EventIngestService;
import org.interplab.service.EventKey;

/**
 * Kafka consumers of the events the dashboard shows. Each record is applied in one transaction; a record that
 * cannot be read or applied is nacked and lands on the channel's dead-letter topic ({@code <topic>.dlq}). The
 * trainer's and the analysis service's events must carry their {@link org.interplab.contracts.events.EventSignature};
 * a forged or unsigned one is dead-lettered with the reason and changes nothing.
 */
@ApplicationScoped
public class ExperimentEventListeners {

    @Inject
    EventIngestService ingest;
    @Inject
    EventKey key;

    @Incoming(Channels.TRAINING_PROGRESS)
    @Blocking
    @Transactional
    public void onTrainingProgress(ConsumerRecord<String, String> record) {
        key.check(Topics.TRAINING_PROGRESS, record);
        ingest.applyProgress(Json.read(record.value(), TrainingProgress.class));
    }

    @Incoming(Channels.CHECKPOINTS_PUBLISHED)
    @Blocking
    @Transactional
    public void onCheckpointPublished(ConsumerRecord<String, String> record) {
        // only the trainer (holder of the event key) publishes checkpoints: a forged one records no phantom model
        key.check(Topics.CHECKPOINTS_PUBLISHED, record);
        ingest.recordCheckpoint(Json.read(record.value(), CheckpointPublished.class));
    }

    @Incoming(Channels.ANALYSIS_COMPLETED)
    @Blocking
    @Transactional
    public void onAnalysisCompleted(ConsumerRecord<String, String> record) {
        // only the analysis service announces analyses: a forged one marks no checkpoint analysed
        key.check(Topics.ANALYSIS_COMPLETED, record);
        ingest.recordAnalysis(Json.read(record.value(), AnalysisCompleted.class));
    }
}
