package org.interplab.dashboard.service;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.dashboard.client.TrainerClient;

/** The queue as the researcher sees it: each queued run's position and ETAs ({@link QueueEstimates}). */
@ApplicationScoped
public class RunQueue {
    private static final Duration WORKERS_FRESH = Duration.ofSeconds(30);
    private static final int FINISHED_SAMPLE = 50;

    @Inject
    ExperimentService experiments;

    @Inject
    TrainerClient trainer;

    private volatile int workers = 1;
    private volatile Instant workersAsked = Instant.EPOCH;

    /** Every queued and running run's place, by id. */
    public Map<UUID, QueueEstimates.Place> places() {
        Instant now = Instant.now();
        return QueueEstimates.of(experiments.active(), experiments.recentlyFinished(FINISHED_SAMPLE), workers(now),
                now);
    }

    /** The trainer's worker count, asked at most every 30 s; the last answer (1 at first) while it is away. */
    int workers(Instant now) {
        if (Duration.between(workersAsked, now).compareTo(WORKERS_FRESH) > 0) {
            workersAsked = now;
            try (var answer = trainer.workers()) {
                JsonNode body = Json.MAPPER.readTree(answer.readEntity(String.class));
                workers = Math.max(1, body.path("workers").asInt(1));
            } catch (Exception unreachable) {
                Log.debugf("trainer workers unknown (%s); assuming %d", unreachable.getMessage(), workers);
            }
        }
        return workers;
    }
}
