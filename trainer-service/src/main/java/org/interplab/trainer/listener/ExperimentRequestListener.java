package org.interplab.trainer.listener;

import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.spec.FieldError;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.trainer.service.JobStore;

/**
 * Records each requested experiment as a job and returns at once: training happens on the workers, never inside the
 * Kafka poll loop (a long poll gap would trigger a rebalance and a second delivery). A replay finds the job already
 * there and changes nothing. An event that cannot be read goes to the dead-letter topic.
 */
@ApplicationScoped
public class ExperimentRequestListener {
    @Inject
    JobStore jobs;

    @Incoming("experiments-requested")
    @Blocking
    public void onRequested(String json) {
        ExperimentRequested event = Json.read(json, ExperimentRequested.class);
        if (event.experimentId() == null || event.spec() == null) {
            throw new IllegalArgumentException("experiments.requested event without experimentId or spec");
        }
        var errors = SpecValidator.validate(event.spec());
        if (!errors.isEmpty()) {
            FieldError first = errors.get(0);
            throw new IllegalArgumentException("invalid spec for " + event.experimentId() + ": " + first.field()
                    + " " + first.error());
        }
        boolean created = jobs.enqueue(event.experimentId(), event.spec());
        Log.infof("experiment %s %s", event.experimentId(), created ? "queued" : "already known (replay ignored)");
    }
}
