package org.interplab.analysis.listener;

import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.analysis.neuroscope.NeuroscopeService;
import org.interplab.analysis.service.AnalysisService;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;

/**
 * Analyses every published checkpoint, and queues a Neuroscope scan for the final checkpoint of a language model. Idempotent: a checkpoint already analysed is skipped. An event that cannot
 * be processed goes to checkpoints.published.dlq with the reason, and the consumer goes on.
 */
@ApplicationScoped
public class CheckpointListener {
    @Inject
    AnalysisService analysis;
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
        if (NeuroscopeService.isScannableLm(event.spec())) {
            // the circuit tables are dense d_vocab × d_vocab (50257² ≈ 10 GB): an LM gets its Neuroscope instead
            return;
        }
        analysis.analyse(event);
    }
}
