package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.dashboard.config.Channels;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.Experiment;

/** Hands a stored experiment to the trainer: ExperimentRequested on experiments.requested, keyed by its id. */
@ApplicationScoped
public class ExperimentRequestSender {

    /** What became of the send. */
    public enum Outcome { ACKNOWLEDGED, PENDING, REFUSED }

    @Inject
    @Channel(Channels.EXPERIMENTS_REQUESTED)
    Emitter<String> emitter;

    @Inject
    LabConfig config;

    /**
     * Sends the request and waits up to {@code lab.submit-timeout} for Kafka's acknowledgement. Call only after the
     * experiment's transaction committed, so the trainer never hears of an experiment the dashboard does not have.
     */
    public Outcome send(Experiment experiment) {
        ExperimentSpec spec = Json.read(experiment.spec, ExperimentSpec.class);
        String value = Json.write(new ExperimentRequested(experiment.id, spec, Instant.now()));
        CompletableFuture<Void> acknowledged = new CompletableFuture<>();
        emitter.send(KafkaRecord.of(experiment.id.toString(), value)
                .withAck(() -> {
                    acknowledged.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(failure -> {
                    acknowledged.completeExceptionally(failure);
                    return CompletableFuture.completedFuture(null);
                }));
        try {
            acknowledged.get(config.submitTimeout().toMillis(), TimeUnit.MILLISECONDS);
            Log.infof("experiment %s requested on Kafka", experiment.id);
            return Outcome.ACKNOWLEDGED;
        } catch (TimeoutException e) {
            // The record stays in the producer's buffer and is delivered when the broker answers.
            Log.warnf("Kafka has not acknowledged the request of experiment %s after %s; it stays queued",
                    experiment.id, config.submitTimeout());
            return Outcome.PENDING;
        } catch (ExecutionException e) {
            Log.errorf(e.getCause(), "Kafka refused the request of experiment %s", experiment.id);
            return Outcome.REFUSED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.PENDING;
        }
    }
}
