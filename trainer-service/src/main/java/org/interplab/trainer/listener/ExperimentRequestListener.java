package org.interplab.trainer.listener;

import io.quarkus.logging.Log;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.interplab.contracts.Json;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.events.Topics;
import org.interplab.service.EventKey;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.trainer.config.TrainerConfig;
import org.interplab.trainer.service.JobStore;
import org.interplab.trainer.service.TrainingEvents;

/**
 * Records each requested experiment as a job and returns at once: training happens on the workers, never inside the
 * Kafka poll loop (a long poll gap would trigger a rebalance and a second delivery). A replay finds the job already
 * there and changes nothing. An event that cannot be read, or that does not carry the dashboard's
 * {@link org.interplab.contracts.events.EventSignature}, goes to the dead-letter topic.
 */
@ApplicationScoped
public class ExperimentRequestListener {
    @Inject
    JobStore jobs;
    @Inject
    TrainingEvents events;
    @Inject
    TrainerConfig config;
    @Inject
    EventKey key;

    @Incoming("experiments-requested")
    @Blocking
    public void onRequested(ConsumerRecord<String, String> record) {
        // only the dashboard (holder of the event key) can ask for a run: a request it never signed is refused and
        // lands on experiments.requested.dlq with the reason, and nothing is trained
        key.check(Topics.EXPERIMENTS_REQUESTED, record);
        String json = record.value();
        ExperimentRequested event = Json.read(json, ExperimentRequested.class);
        if (event.experimentId() == null || event.spec() == null) {
            throw new IllegalArgumentException("experiments.requested event without experimentId or spec");
        }
        var errors = SpecValidator.validate(event.spec());
        if (!errors.isEmpty()) {
            // well-formed but untrainable: the run ends FAILED with the reason (the dashboard hears it), rather than
            // vanishing into the dead-letter topic with the run left QUEUED for ever
            String reason = "invalid spec: " + errors.stream().map(e -> e.field() + " " + e.error())
                    .collect(Collectors.joining("; "));
            if (jobs.recordRejected(event.experimentId(), event.spec(), reason)) {
                events.progress(new TrainingProgress(event.experimentId(), RunStatus.FAILED, 0, 0, Map.of(), reason,
                        null, Instant.now(), config.codeVersion()));
            }
            Log.warnf("experiment %s refused: %s", event.experimentId(), reason);
            return;
        }
        boolean created = jobs.enqueue(event.experimentId(), event.spec());
        Log.infof("experiment %s %s", event.experimentId(), created ? "queued" : "already known (replay ignored)");
    }
}
