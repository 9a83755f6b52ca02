package org.interplab.trainer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.testkit.KafkaTestClient;
import org.interplab.trainer.entity.TrainingJob;
import org.interplab.trainer.service.JobStore;
import org.junit.jupiter.api.Test;

/** No job can block the lab: poison specs fail with their reason, crash-looping jobs are given up on. */
@QuarkusTest
class TrainerRobustnessTest {
    @Inject
    JobStore jobs;
    @Inject
    EntityManager em;

    @Test
    void aPoisonSpecNextToAGoodRunFailsWithItsReasonAndTheGoodRunCompletes() throws Exception {
        UUID poison = UUID.randomUUID();
        UUID good = UUID.randomUUID();
        ExperimentSpec bad = Presets.expand("addition", 1L, Json.MAPPER.readTree("{\"task\":{\"nTest\":-5}}"));
        send(poison, Json.write(new ExperimentRequested(poison, bad, Instant.now())));
        ExperimentSpec ok = Presets.expand("xor", 5L, Json.MAPPER.readTree("{\"training\":{\"steps\":300}}"));
        send(good, Json.write(new ExperimentRequested(good, ok, Instant.now())));

        TrainingJob failed = await(poison, "FAILED");
        assertTrue(failed.error.contains("task.nTest"), failed.error);
        TrainingJob completed = await(good, "COMPLETED");
        List<String> progress = KafkaTestClient.keyed("qt.training.progress", poison.toString());
        assertTrue(progress.stream().anyMatch(p -> p.contains("\"FAILED\"") && p.contains("task.nTest")),
                "the dashboard hears why: " + progress);
        System.out.printf("FIGURE TrainerRobustnessTest (poison spec): addition with nTest=-5 next to a good xor run "
                + "-> poison FAILED after %d attempt(s) (%s), the good run COMPLETED at step %d/300%n",
                failed.attempts, failed.error, completed.step);
    }

    @Test
    void aJobWhoseWorkerKeepsDyingIsFailedNotClaimedForEver() throws Exception {
        UUID id = UUID.randomUUID();
        ExperimentSpec spec = Presets.expand("xor", 9L, null);
        jobs.enqueue(id, spec);
        // three workers claimed it and died (stale heartbeat each time); the next claim must give up on it
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("""
                update training_job set status = 'RUNNING', attempts = 3, claimed_by = 'dead',
                       heartbeat_at = now() - interval '1 hour' where experiment_id = :id""")
                .setParameter("id", id).executeUpdate());
        TrainingJob job = await(id, "FAILED");
        assertEquals(3, job.attempts, "not claimed a fourth time");
        assertTrue(job.error.contains("max-attempts"), job.error);
        List<String> progress = KafkaTestClient.keyed("qt.training.progress", id.toString());
        assertTrue(progress.stream().anyMatch(p -> p.contains("\"FAILED\"") && p.contains("abandoned")),
                progress.toString());
    }

    private TrainingJob await(UUID id, String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            var job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id));
            if (job.isPresent() && status.equals(job.get().status)) {
                return job.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " never reached " + status + ": "
                + QuarkusTransaction.requiringNew().call(() -> jobs.find(id).map(j -> j.status + " " + j.error)));
    }

    private void send(UUID key, String value) throws Exception {
        KafkaTestClient.send("qt.experiments.requested", key.toString(), value);
    }
}
