package org.interplab.analysis.jobs;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** A job whose worker beats is never stale, however long it runs; one whose worker stopped beating is taken over. */
@QuarkusTest
class AnalysisHeartbeatTest {
    @Inject
    AnalysisJobs jobs;
    @Inject
    EntityManager em;

    @Test
    void onlyTheHolderBeatsAndABeatenJobIsNotClaimedAgain() {
        UUID id = UUID.randomUUID();
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                INSERT INTO analysis_job (checkpoint_id, event, status, claimed_by, heartbeat_at, attempts,
                                          next_attempt_at)
                VALUES (:id, '{}', 'RUNNING', 'test-holder', now() - interval '30 seconds', 1,
                        now() + interval '1 day')""").setParameter("id", id).executeUpdate());
        try {
            jobs.beat(id, "test-other"); // not the holder: nothing changes
            assertTrue(secondsSinceBeat(id) >= 29, "a worker that does not hold the job cannot keep it alive");
            jobs.beat(id, "test-holder");
            assertTrue(secondsSinceBeat(id) < 5, "the holder's beat is recorded");
            // stale after 10 s: the job beaten just now is not claimable, whatever else the claim finds
            assertFalse(jobs.claimNext("test-claimer", Duration.ofSeconds(10)).map(j -> j.checkpointId().equals(id))
                    .orElse(false), "a beaten job was claimed a second time");
        } finally {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "DELETE FROM analysis_job WHERE checkpoint_id = :id").setParameter("id", id).executeUpdate());
        }
    }

    private double secondsSinceBeat(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT EXTRACT(EPOCH FROM now() - heartbeat_at) FROM analysis_job WHERE checkpoint_id = :id")
                .setParameter("id", id).getSingleResult()).doubleValue());
    }
}
