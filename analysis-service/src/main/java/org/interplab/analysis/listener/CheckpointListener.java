package org.interplab.analysis.listener;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.analysis.service.AnalysisService;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;

/**
 * Analyses every published checkpoint. Idempotent: a checkpoint already analysed is skipped. An event that cannot
 * be processed goes to checkpoints.published.dlq with the reason, and the consumer goes on.
 */
@ApplicationScoped
public class CheckpointListener {
    @Inject
    AnalysisService analysis;

    @Incoming("checkpoints-published")
    @Blocking
    public void onCheckpoint(String json) {
        CheckpointPublished event = Json.read(json, CheckpointPublished.class);
        if (event.checkpointId() == null || event.spec() == null) {
            throw new IllegalArgumentException("checkpoints.published event without checkpointId or spec");
        }
        analysis.analyse(event);
    }
}
