package org.interplab.analysis.jobs;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The analysis_job table: one row per published checkpoint, claimed by {@link AnalysisWorkers}. */
@ApplicationScoped
@Transactional
public class AnalysisJobs {
    @Inject
    EntityManager em;

    public record Job(UUID checkpointId, String event, String status, int attempts, Instant nextAttemptAt,
                      String error, Instant createdAt, Instant updatedAt) {
    }

    /** Records the checkpoint's job unless it exists; true when it was new (a replayed event changes nothing). */
    public boolean enqueue(UUID checkpointId, String eventJson) {
        return em.createNativeQuery("""
                INSERT INTO analysis_job (checkpoint_id, event, status) VALUES (:id, :event, 'PENDING')
                ON CONFLICT (checkpoint_id) DO NOTHING""")
                .setParameter("id", checkpointId).setParameter("event", eventJson).executeUpdate() == 1;
    }

    /** Claims the oldest due PENDING job, or a RUNNING one whose worker stopped beating. */
    public Optional<Job> claimNext(String worker, Duration staleAfter) {
        @SuppressWarnings("unchecked")
        List<UUID> ids = em.createNativeQuery("""
                UPDATE analysis_job SET status = 'RUNNING', claimed_by = :worker, heartbeat_at = now(),
                       attempts = attempts + 1, updated_at = now()
                WHERE checkpoint_id = (
                    SELECT checkpoint_id FROM analysis_job
                    WHERE (status = 'PENDING' AND next_attempt_at <= now())
                       OR (status = 'RUNNING' AND heartbeat_at < now() - make_interval(secs => :stale))
                    ORDER BY next_attempt_at LIMIT 1 FOR UPDATE SKIP LOCKED)
                RETURNING checkpoint_id""", UUID.class)
                .setParameter("worker", worker)
                .setParameter("stale", staleAfter.toMillis() / 1000.0)
                .getResultList();
        return ids.stream().findFirst().flatMap(this::find);
    }

    /** The worker still holds the job: it is not stale (a long LM analysis is not claimed a second time). */
    public void beat(UUID id, String worker) {
        em.createNativeQuery("""
                UPDATE analysis_job SET heartbeat_at = now()
                WHERE checkpoint_id = :id AND claimed_by = :worker AND status = 'RUNNING'""")
                .setParameter("id", id).setParameter("worker", worker).executeUpdate();
    }

    public void done(UUID id, String worker) {
        end(id, worker, "DONE", null, Duration.ZERO);
    }

    /** Back to PENDING, due after {@code delay}. */
    public void retryLater(UUID id, String worker, String error, Duration delay) {
        end(id, worker, "PENDING", error, delay);
    }

    public void fail(UUID id, String worker, String error) {
        end(id, worker, "FAILED", error, Duration.ZERO);
    }

    private void end(UUID id, String worker, String status, String error, Duration delay) {
        em.createNativeQuery("""
                UPDATE analysis_job SET status = :status, error = :error, updated_at = now(),
                       next_attempt_at = now() + make_interval(secs => :delay), claimed_by = NULL
                WHERE checkpoint_id = :id AND claimed_by = :worker AND status = 'RUNNING'""")
                .setParameter("status", status).setParameter("error", error)
                .setParameter("delay", delay.toMillis() / 1000.0)
                .setParameter("id", id).setParameter("worker", worker).executeUpdate();
    }

    /** A FAILED (or any not running) job is queued again at once, its attempts reset. False if unknown/running. */
    public boolean retryNow(UUID id) {
        return em.createNativeQuery("""
                UPDATE analysis_job SET status = 'PENDING', attempts = 0, next_attempt_at = now(), error = NULL,
                       updated_at = now()
                WHERE checkpoint_id = :id AND status IN ('FAILED', 'DONE', 'PENDING')""")
                .setParameter("id", id).executeUpdate() == 1;
    }

    public Optional<Job> find(UUID id) {
        return list("WHERE checkpoint_id = :id", id, 1).stream().findFirst();
    }

    /** Jobs in a status (or all when null), newest first. */
    public List<Job> byStatus(String status, int limit) {
        return status == null ? list("", null, limit) : list("WHERE status = :status", status, limit);
    }

    private List<Job> list(String where, Object value, int limit) {
        var q = em.createNativeQuery("SELECT checkpoint_id, event, status, attempts, next_attempt_at, error, "
                + "created_at, updated_at FROM analysis_job " + where + " ORDER BY updated_at DESC LIMIT :n");
        if (!where.isEmpty()) {
            q.setParameter(where.contains(":id") ? "id" : "status", value);
        }
        @SuppressWarnings("unchecked")
        List<Object[]> rows = q.setParameter("n", limit).getResultList();
        return rows.stream().map(r -> new Job((UUID) r[0], (String) r[1], (String) r[2], ((Number) r[3]).intValue(),
                instant(r[4]), (String) r[5], instant(r[6]), instant(r[7]))).toList();
    }

    private static Instant instant(Object o) {
        if (o == null) {
            return null;
        }
        if (o instanceof Instant i) {
            return i;
        }
        if (o instanceof java.sql.Timestamp t) {
            return t.toInstant();
        }
        if (o instanceof java.time.OffsetDateTime t) {
            return t.toInstant();
        }
        throw new IllegalStateException("unexpected timestamp type " + o.getClass());
    }

    /** Jobs waiting for a worker (the analysis queue depth). */
    public long pendingCount() {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM analysis_job WHERE status = 'PENDING'")
                .getSingleResult()).longValue();
    }
}
