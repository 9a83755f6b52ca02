package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.smallrye.reactive.messaging.kafka.KafkaRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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
        return sendAll(List.of(experiment)).get(0);
    }

    /**
     * Sends one request per experiment, all at once, then waits up to {@code lab.submit-timeout} in total for
     * Kafka's acknowledgements. Outcomes are in the order of the experiments.
     */
    public List<Outcome> sendAll(List<Experiment> experiments) {
        List<CompletableFuture<Void>> acks = new ArrayList<>();
        for (Experiment experiment : experiments) {
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
            acks.add(acknowledged);
        }
        long deadline = System.nanoTime() + config.submitTimeout().toNanos();
        List<Outcome> outcomes = new ArrayList<>();
        for (int i = 0; i < experiments.size(); i++) {
            UUID id = experiments.get(i).id;
            try {
                acks.get(i).get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                Log.infof("experiment %s requested on Kafka", id);
                outcomes.add(Outcome.ACKNOWLEDGED);
            } catch (TimeoutException e) {
                // The record stays in the producer's buffer and is delivered when the broker answers.
                Log.warnf("Kafka has not acknowledged the request of experiment %s after %s; it stays queued",
                        id, config.submitTimeout());
                outcomes.add(Outcome.PENDING);
            } catch (ExecutionException e) {
                Log.errorf(e.getCause(), "Kafka refused the request of experiment %s", id);
                outcomes.add(Outcome.REFUSED);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                outcomes.add(Outcome.PENDING);
            }
        }
        return outcomes;
    }
}
