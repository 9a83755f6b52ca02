package org.interplab.analysis.jobs;

import io.quarkus.logging.Log;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.analysis.service.AnalysisService;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.core.checkpoint.SafetensorsFormatException;
import org.interplab.service.WorkerPool;

/**
 * Workers that claim analysis jobs and run them. A fault that may pass (the trainer unreachable or answering 5xx,
 * a database or broker blip) puts the job back with exponential backoff; a job that cannot succeed (the trainer
 * does not know the checkpoint, a malformed file) or that failed {@code lab.analysis.max-attempts} times ends
 * FAILED with its reason, listed by GET /analysis-jobs?status=FAILED and retried by POST /analysis-jobs/{id}/retry.
 */
@ApplicationScoped
public class AnalysisWorkers {
    @Inject
    AnalysisJobs jobs;
    @Inject
    AnalysisService analysis;
    @Inject
    org.interplab.analysis.metrics.AnalysisMetrics metrics;

    @ConfigProperty(name = "lab.analysis.workers", defaultValue = "1")
    int workers;
    @ConfigProperty(name = "lab.analysis.max-attempts", defaultValue = "20")
    int maxAttempts;
    @ConfigProperty(name = "lab.analysis.retry-base", defaultValue = "1s")
    Duration retryBase;
    @ConfigProperty(name = "lab.analysis.retry-max", defaultValue = "60s")
    Duration retryMax;
    @ConfigProperty(name = "lab.analysis.stale-after", defaultValue = "10m")
    Duration staleAfter;
    @ConfigProperty(name = "lab.analysis.poll-interval", defaultValue = "500ms")
    Duration pollInterval;

    private WorkerPool pool;
    private ScheduledExecutorService heart;
    /** worker → the job it is running, beaten every quarter of {@code staleAfter} so no other worker takes it. */
    private final Map<String, UUID> held = new ConcurrentHashMap<>();

    void onStart(@Observes StartupEvent startup) {
        pool = WorkerPool.start("analysis-worker", workers, pollInterval, this::step);
        heart = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "analysis-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(1000, staleAfter.toMillis() / 4);
        heart.scheduleWithFixedDelay(this::beat, every, every, TimeUnit.MILLISECONDS);
    }

    private void beat() {
        held.forEach((worker, id) -> {
            try {
                jobs.beat(id, worker);
            } catch (RuntimeException e) {
                Log.warnf("analysis heartbeat of %s: %s", id, e.toString());
            }
        });
    }

    void onStop(@Observes ShutdownEvent shutdown) {
        heart.shutdownNow();
        pool.stop();
    }

    /** Claims and runs one job if any is ready. */
    private boolean step(String worker) {
        Optional<AnalysisJobs.Job> job = jobs.claimNext(worker, staleAfter);
        job.ifPresent(j -> run(j, worker));
        return job.isPresent();
    }

    private void run(AnalysisJobs.Job job, String worker) {
        long started = metrics.started();
        String outcome = "retry";
        held.put(worker, job.checkpointId());
        try {
            analysis.analyse(Json.read(job.event(), CheckpointPublished.class));
            jobs.done(job.checkpointId(), worker);
            outcome = "done";
        } catch (RuntimeException | OutOfMemoryError e) {
            String reason = describe(e);
            if (permanent(e) || job.attempts() >= maxAttempts) {
                outcome = "failed";
            }
            if (permanent(e)) {
                Log.errorf("analysis of %s failed for good: %s", job.checkpointId(), reason);
                jobs.fail(job.checkpointId(), worker, reason);
            } else if (job.attempts() >= maxAttempts) {
                Log.errorf("analysis of %s failed %d times; giving up: %s", job.checkpointId(), job.attempts(), reason);
                jobs.fail(job.checkpointId(), worker, "failed " + job.attempts() + " times (lab.analysis.max-attempts); "
                        + "last: " + reason);
            } else {
                Duration delay = backoff(job.attempts());
                Log.warnf("analysis of %s: %s; retry %d in %s", job.checkpointId(), reason, job.attempts(), delay);
                jobs.retryLater(job.checkpointId(), worker, reason, delay);
            }
        } finally {
            held.remove(worker);
            metrics.finished(started, outcome);
        }
    }

    /** retryBase · 2^(attempts−1), at most retryMax. */
    Duration backoff(int attempts) {
        long ms = retryBase.toMillis() << Math.min(20, Math.max(0, attempts - 1));
        return Duration.ofMillis(Math.min(ms, retryMax.toMillis()));
    }

    /** Faults that retrying cannot cure: a checkpoint the trainer does not have (4xx), a malformed file or event. */
    static boolean permanent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof WebApplicationException w) {
                return w.getResponse() != null && w.getResponse().getStatus() >= 400
                        && w.getResponse().getStatus() < 500;
            }
            if (t instanceof ProcessingException) {
                return false;
            }
            if (t instanceof SafetensorsFormatException || t instanceof IllegalArgumentException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Throwable e) {
        if (e instanceof WebApplicationException w && w.getResponse() != null) {
            int status = w.getResponse().getStatus();
            return status == 404 ? "the trainer does not know this checkpoint (HTTP 404): a deleted checkpoint or a "
                    + "forged event" : "the trainer answered HTTP " + status;
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
