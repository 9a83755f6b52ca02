package org.interplab.trainer.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.trainer.entity.TrainingJob;

/** The training_job table: the queue workers claim from, and the record a crashed run is resumed from. */
@ApplicationScoped
@Transactional
public class JobStore {
    @Inject
    EntityManager em;

    /**
     * Inserts the job unless it exists; true when it was new. A job cancelled before its request arrived (see
     * {@link #requestCancel}) stays CANCELLED and only gains its spec.
     */
    public boolean enqueue(UUID experimentId, ExperimentSpec spec) {
        int inserted = em.createNativeQuery("""
                INSERT INTO training_job (experiment_id, spec, status, total_steps)
                VALUES (:id, :spec, 'QUEUED', :total)
                ON CONFLICT (experiment_id) DO NOTHING""")
                .setParameter("id", experimentId)
                .setParameter("spec", Json.write(spec))
                .setParameter("total", (long) spec.training().steps())
                .executeUpdate();
        if (inserted == 0) {
            em.createNativeQuery("""
                    UPDATE training_job SET spec = :spec, total_steps = :total, updated_at = now()
                    WHERE experiment_id = :id AND spec IS NULL""")
                    .setParameter("id", experimentId)
                    .setParameter("spec", Json.write(spec))
                    .setParameter("total", (long) spec.training().steps())
                    .executeUpdate();
        }
        return inserted == 1;
    }

    /** Records a request whose spec cannot be trained as a FAILED job with the reason; true when it was new. */
    public boolean recordRejected(UUID experimentId, ExperimentSpec spec, String reason) {
        return em.createNativeQuery("""
                INSERT INTO training_job (experiment_id, spec, status, total_steps, error)
                VALUES (:id, :spec, 'FAILED', :total, :reason)
                ON CONFLICT (experiment_id) DO NOTHING""")
                .setParameter("id", experimentId)
                .setParameter("spec", Json.write(spec))
                .setParameter("total", spec.training() == null || spec.training().steps() == null ? 0L
                        : Math.max(0L, spec.training().steps()))
                .setParameter("reason", reason)
                .executeUpdate() == 1;
    }

    /** A job given up on: its worker stopped too often. */
    public record Abandoned(UUID experimentId, long step, long totalSteps, String reason) {
    }

    /**
     * Ends, as FAILED, every stale RUNNING job that has been claimed {@code maxAttempts} times: a job that kills its
     * worker (out of memory, a native crash) must not be claimed for ever and take the lab down with it.
     */
    public List<Abandoned> failAbandoned(Duration staleAfter, int maxAttempts) {
        String reason = "abandoned: its worker stopped without finishing " + maxAttempts
                + " times (lab.trainer.max-attempts)";
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery("""
                UPDATE training_job SET status = 'FAILED', error = :reason, updated_at = now()
                WHERE status = 'RUNNING' AND attempts >= :max
                  AND heartbeat_at < now() - make_interval(secs => :stale)
                RETURNING experiment_id, step, total_steps""")
                .setParameter("reason", reason)
                .setParameter("max", maxAttempts)
                .setParameter("stale", staleAfter.toMillis() / 1000.0)
                .getResultList();
        return rows.stream().map(r -> new Abandoned((UUID) r[0], ((Number) r[1]).longValue(),
                ((Number) r[2]).longValue(), reason)).toList();
    }

    /**
     * Claims the oldest queued job, or a running one whose worker stopped sending heartbeats (it crashed): the new
     * worker resumes it from its last checkpoint. SKIP LOCKED lets replicas claim concurrently without waiting.
     */
    public Optional<TrainingJob> claimNext(String worker, Duration staleAfter) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                UPDATE training_job SET status = 'RUNNING', claimed_by = :worker, heartbeat_at = now(),
                       attempts = attempts + 1, updated_at = now()
                WHERE experiment_id = (
                    SELECT experiment_id FROM training_job
                    WHERE (status = 'QUEUED' AND NOT cancel_requested)
                       OR (status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => :stale))
                    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING experiment_id""", UUID.class)
                .setParameter("worker", worker)
                .setParameter("stale", staleAfter.toMillis() / 1000.0)
                .getResultList();
        return ids.stream().findFirst().map(id -> em.find(TrainingJob.class, id));
    }

    /**
     * Records the step reached and proves this worker is alive. Returns empty when another worker has taken the job
     * over (this one must stop without touching it), else whether a cancel was requested.
     */
    public Optional<Boolean> heartbeat(UUID experimentId, String worker, long step, Map<String, Double> metrics) {
        @SuppressWarnings("unchecked")
        List<Boolean> cancel = em.createNativeQuery("""
                UPDATE training_job SET heartbeat_at = now(), step = GREATEST(step, :step), updated_at = now(),
                       last_metrics = COALESCE(:metrics, last_metrics)
                WHERE experiment_id = :id AND claimed_by = :worker AND status = 'RUNNING'
                RETURNING cancel_requested""", Boolean.class)
                .setParameter("id", experimentId)
                .setParameter("worker", worker)
                .setParameter("step", step)
                .setParameter("metrics", metrics == null ? null : Json.write(metrics))
                .getResultList();
        return cancel.stream().findFirst();
    }

    /** Ends a job this worker holds; false if it no longer holds it. */
    public boolean finish(UUID experimentId, String worker, RunStatus status, long step, Map<String, Double> metrics,
                          String error) {
        return em.createNativeQuery("""
                UPDATE training_job SET status = :status, step = :step, updated_at = now(), error = :error,
                       last_metrics = COALESCE(:metrics, last_metrics)
                WHERE experiment_id = :id AND claimed_by = :worker AND status = 'RUNNING'""")
                .setParameter("status", status.name())
                .setParameter("step", step)
                .setParameter("error", error)
                .setParameter("metrics", metrics == null ? null : Json.write(metrics))
                .setParameter("id", experimentId)
                .setParameter("worker", worker)
                .executeUpdate() == 1;
    }

    /** What a cancel did: the job's status after it, and whether this call is what ended it (not yet started). */
    public record Cancel(RunStatus status, boolean endedNow) {
    }

    /**
     * Asks a job to stop. A queued job is cancelled at once; a running one stops at its worker's next heartbeat
     * (RUNNING is returned); a finished one is left as it is. A job not known yet (its request is still on its way
     * through Kafka: the dashboard sends a run's request and may cancel it a moment later) is recorded as CANCELLED
     * without a spec, so that the request, when it arrives, trains nothing ({@link #enqueue}).
     */
    public Cancel requestCancel(UUID experimentId) {
        TrainingJob job = em.find(TrainingJob.class, experimentId);
        if (job == null) {
            int inserted = em.createNativeQuery("""
                    INSERT INTO training_job (experiment_id, spec, status, total_steps, cancel_requested)
                    VALUES (:id, NULL, 'CANCELLED', 0, TRUE)
                    ON CONFLICT (experiment_id) DO NOTHING""")
                    .setParameter("id", experimentId)
                    .executeUpdate();
            if (inserted == 1) {
                return new Cancel(RunStatus.CANCELLED, true);
            }
            job = em.find(TrainingJob.class, experimentId); // its request was recorded meanwhile
        }
        RunStatus status = RunStatus.valueOf(job.status);
        if (status.isTerminal()) {
            return new Cancel(status, false);
        }
        job.cancelRequested = true;
        if (status == RunStatus.QUEUED) {
            job.status = RunStatus.CANCELLED.name();
            return new Cancel(RunStatus.CANCELLED, true);
        }
        return new Cancel(status, false);
    }

    public Optional<TrainingJob> find(UUID experimentId) {
        return Optional.ofNullable(em.find(TrainingJob.class, experimentId));
    }

    /** Jobs waiting for a worker (the trainer's queue depth). */
    public long queuedCount() {
        return ((Number) em.createNativeQuery(
                "SELECT count(*) FROM training_job WHERE status = 'QUEUED' AND NOT cancel_requested")
                .getSingleResult()).longValue();
    }
}
