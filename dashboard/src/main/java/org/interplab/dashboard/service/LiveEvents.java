package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.operators.multi.processors.BroadcastProcessor;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import java.util.UUID;

/**
 * In-process broadcast of committed experiment events to the browsers listening on SSE. Listeners fire a
 * {@link LiveEvent} inside their transaction; it is broadcast only once that transaction committed, so a browser
 * never sees what a rollback undid.
 */
@ApplicationScoped
public class LiveEvents {
    private final BroadcastProcessor<LiveEvent> processor = BroadcastProcessor.create();

    void onCommitted(@Observes(during = TransactionPhase.AFTER_SUCCESS) LiveEvent event) {
        publish(event);
    }

    /** Broadcasts now; the processor is not safe for concurrent emitters, hence the lock. */
    public synchronized void publish(LiveEvent event) {
        Log.debugf("live %s for experiment %s", event.type(), event.experimentId());
        processor.onNext(event);
    }

    /** The events of one experiment from now on. */
    public Multi<LiveEvent> forExperiment(UUID experimentId) {
        return processor.filter(e -> experimentId.equals(e.experimentId()));
    }
}
