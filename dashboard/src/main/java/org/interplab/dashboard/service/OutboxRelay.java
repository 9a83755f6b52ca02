package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.panache.common.Sort;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.dashboard.config.Channels;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.OutboxEntry;
import org.interplab.service.EventKey;

/**
 * The transactional outbox: {@link #enqueue} writes an experiment's ExperimentRequested event in the caller's
 * transaction (the one that stores the experiment), and a relay thread sends the pending rows to Kafka
 * (experiments.requested, keyed by experiment id) and marks each sent once the broker acknowledged it.
 * <p>At least once: a row is sent again when Kafka refused it or its acknowledgement was lost (a restart between
 * the broker's ack and the row's update); the trainer is idempotent by experiment id. Each request carries the
 * dashboard's {@link EventSignature}: the trainer trains nothing the dashboard did not sign. Never lost: a row stays
 * pending through broker outages and dashboard restarts until an acknowledgement arrives.
 */
@ApplicationScoped
public class OutboxRelay {

    @Inject
    @Channel(Channels.EXPERIMENTS_REQUESTED)
    Emitter<String> emitter;

    @Inject
    EventKey key;

    @ConfigProperty(name = "lab.outbox.interval", defaultValue = "PT0.5S")
    java.time.Duration interval;

    @ConfigProperty(name = "lab.outbox.batch", defaultValue = "256")
    int batch;

    /** Rows handed to the producer and not yet answered: each row has at most one send in flight. */
    private final Map<Long, CompletableFuture<Void>> inFlight = new ConcurrentHashMap<>();
    private ScheduledExecutorService relay;

    /** Writes the experiment's request event into the outbox; call inside the transaction storing the experiment. */
    public static void enqueue(Experiment experiment) {
        ExperimentSpec spec = Json.read(experiment.spec, ExperimentSpec.class);
        OutboxEntry entry = new OutboxEntry();
        entry.experimentId = experiment.id;
        entry.topic = Channels.EXPERIMENTS_REQUESTED;
        entry.messageKey = experiment.id.toString();
        entry.payload = Json.write(new ExperimentRequested(experiment.id, spec, experiment.createdAt));
        entry.createdAt = Instant.now();
        entry.persist();
    }

    /**
     * Takes a run whose request Kafka has not acknowledged out of the outbox; false when it was delivered, so that
     * the trainer must be asked to cancel it. Call inside a transaction. A send already handed to the producer may
     * still reach the broker (e.g. buffered while the broker was down): the trainer then starts the run and its
     * progress shows it, and a second cancel goes to the trainer.
     */
    public boolean withdraw(UUID experimentId) {
        List<OutboxEntry> pending = OutboxEntry.list("experimentId = ?1 and sentAt is null", experimentId);
        pending.forEach(OutboxEntry::delete);
        return !pending.isEmpty();
    }

    void start(@Observes StartupEvent event) {
        relay = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "outbox-relay");
            t.setDaemon(true);
            return t;
        });
        relay.scheduleWithFixedDelay(this::relaySafely, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    void stop(@Observes ShutdownEvent event) {
        if (relay != null) {
            relay.shutdownNow();
        }
    }

    /** Sends at once what was just committed instead of waiting for the next tick. */
    public void wake() {
        if (relay != null && !relay.isShutdown()) {
            relay.execute(this::relaySafely);
        }
    }

    private void relaySafely() {
        try {
            relayOnce();
        } catch (RuntimeException e) {
            Log.warnf("outbox relay: %s; retrying in %s", e.toString(), interval);
        }
    }

    /** One pass: record what Kafka acknowledged, then send every pending row that has no send in flight. */
    void relayOnce() {
        List<Long> acknowledged = new ArrayList<>();
        inFlight.forEach((id, ack) -> {
            if (ack.isDone()) {
                if (!ack.isCompletedExceptionally()) {
                    acknowledged.add(id);
                }
                inFlight.remove(id);
            }
        });
        if (!acknowledged.isEmpty()) {
            QuarkusTransaction.requiringNew().run(() ->
                    OutboxEntry.update("sentAt = ?1 where id in ?2 and sentAt is null", Instant.now(), acknowledged));
            Log.infof("outbox: %d experiment request(s) acknowledged by Kafka", acknowledged.size());
        }
        List<OutboxEntry> pending = QuarkusTransaction.requiringNew().call(() ->
                OutboxEntry.<OutboxEntry>find("sentAt is null", Sort.ascending("id")).page(0, batch).list());
        List<Long> sent = new ArrayList<>();
        for (OutboxEntry entry : pending) {
            if (inFlight.containsKey(entry.id) || acknowledged.contains(entry.id)) {
                continue;
            }
            CompletableFuture<Void> ack = new CompletableFuture<>();
            inFlight.put(entry.id, ack);
            emitter.send(key.record(Topics.EXPERIMENTS_REQUESTED, entry.messageKey, entry.payload)
                    .withAck(() -> {
                        ack.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(failure -> {
                        Log.warnf("outbox: Kafka did not take the request of experiment %s (%s); it stays pending",
                                entry.experimentId, failure.toString());
                        ack.completeExceptionally(failure);
                        return CompletableFuture.completedFuture(null);
                    }));
            sent.add(entry.id);
        }
        if (!sent.isEmpty()) {
            QuarkusTransaction.requiringNew().run(() ->
                    OutboxEntry.update("attempts = attempts + 1 where id in ?1", sent));
        }
    }

    /** How many rows are waiting for Kafka (health and tests). */
    public long pending() {
        return QuarkusTransaction.requiringNew().call(() -> OutboxEntry.count("sentAt is null"));
    }
}
