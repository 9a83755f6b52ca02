package org.interplab.dashboard.listener;

import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.dashboard.config.Channels;
import org.interplab.dashboard.service.EventIngestService;

/**
 * Kafka consumers of the events the dashboard shows. Each record is applied in one transaction; a record that
 * cannot be read or applied is nacked and lands on the channel's dead-letter topic ({@code <topic>.dlq}).
 */
@ApplicationScoped
public class ExperimentEventListeners {

    @Inject
    EventIngestService ingest;

    @Incoming(Channels.TRAINING_PROGRESS)
    @Blocking
    @Transactional
    public void onTrainingProgress(String json) {
        ingest.applyProgress(Json.read(json, TrainingProgress.class));
    }

    @Incoming(Channels.CHECKPOINTS_PUBLISHED)
    @Blocking
    @Transactional
    public void onCheckpointPublished(String json) {
        ingest.recordCheckpoint(Json.read(json, CheckpointPublished.class));
    }

    @Incoming(Channels.ANALYSIS_COMPLETED)
    @Blocking
    @Transactional
    public void onAnalysisCompleted(String json) {
        ingest.recordAnalysis(Json.read(json, AnalysisCompleted.class));
    }
}
