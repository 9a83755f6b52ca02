package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
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

/**
 * The trainer against a real Kafka broker and PostgreSQL (started by ./lab test), on "qt."-prefixed topics and the
 * interplab_test database.
 */
@QuarkusTest
class TrainingFlowTest {
    @Inject
    JobStore jobs;
    @Inject
    EntityManager em;

    @Test
    void aRequestIsTrainedOnceCheckpointedAndAnnounced() throws Exception {
        UUID id = UUID.randomUUID();
        ExperimentSpec spec = Presets.expand("xor", 7L, null);
        String event = Json.write(new ExperimentRequested(id, spec, Instant.now()));
        send("qt.experiments.requested", id.toString(), event);
        send("qt.experiments.requested", id.toString(), event); // a replay must not train it twice

        TrainingJob job = awaitStatus(id, "COMPLETED");
        assertEquals(1, job.attempts, "trained once");
        String list = given().queryParam("experimentId", id).get("/checkpoints").then().statusCode(200)
                .extract().asString();
        assertTrue(list.contains("\"isFinal\":true"), list);
        String finalId = Json.MAPPER.readTree(list).get(Json.MAPPER.readTree(list).size() - 1).get("id").asText();
        byte[] file = given().get("/checkpoints/" + finalId + "/safetensors").then().statusCode(200).extract()
                .asByteArray();
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String header = new String(file, 8, (int) headerLength);
        assertTrue(header.contains("\"blocks.0.attn.W_Q\""), header);
        assertTrue(header.contains("\"code_version\""), header);

        List<String> published = readKeyed("qt.checkpoints.published", id.toString());
        assertTrue(published.stream().anyMatch(v -> v.contains(finalId)), "final checkpoint announced");
        List<String> progress = readKeyed("qt.training.progress", id.toString());
        assertEquals(1, progress.stream().filter(v -> v.contains("\"COMPLETED\"")).count(), "completed once");
    }

    /**
     * The dashboard sends a run's request and its user cancels it at once: the cancel can reach the trainer first. It
     * must be kept, so that the request, when it arrives, trains nothing, and the run's end must be announced once.
     */
    @Test
    void aCancelThatOvertakesItsRequestStopsTheRunBeforeItStarts() throws Exception {
        UUID id = UUID.randomUUID();
        String answer = given().post("/experiments/" + id + "/cancel").then().statusCode(200).extract().asString();
        assertEquals("CANCELLED", Json.MAPPER.readTree(answer).get("status").asText(), answer);
        // a second cancel (the user clicks again) changes nothing and announces nothing more
        given().post("/experiments/" + id + "/cancel").then().statusCode(200);

        ExperimentSpec spec = Presets.expand("xor", 11L, null);
        send("qt.experiments.requested", id.toString(), Json.write(new ExperimentRequested(id, spec, Instant.now())));
        long deadline = System.currentTimeMillis() + 60_000;
        TrainingJob job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).orElseThrow();
        while (job.spec == null) { // the request has been read once the tombstone holds its spec
            assertTrue(System.currentTimeMillis() < deadline, "the request was never read");
            Thread.sleep(100);
            job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).orElseThrow();
        }
        Thread.sleep(3_000); // time for a worker to claim it, were it claimable
        job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).orElseThrow();
        assertEquals("CANCELLED", job.status);
        assertEquals(0, job.attempts, "never claimed by a worker");
        assertEquals(spec.training().steps().longValue(), job.totalSteps);
        assertEquals(0, countCheckpoints(id), "nothing trained");
        List<String> progress = readKeyed("qt.training.progress", id.toString());
        assertEquals(1, progress.size(), "one event, its end: " + progress);
        assertTrue(progress.get(0).contains("\"CANCELLED\""), progress.get(0));
    }

    @Test
    void aJobWhoseWorkerDiedIsResumedFromItsLastCheckpoint() throws Exception {
        UUID id = UUID.randomUUID();
        // long enough (thousands of steps) that the run is still going when the test pulls the plug
        ExperimentSpec spec = Presets.expand("xor", 3L, Json.MAPPER.readTree(
                "{\"training\":{\"steps\":2500,\"checkpoints\":\"every\",\"checkpointEvery\":100}}"));
        jobs.enqueue(id, spec);
        // wait until the worker has stored a checkpoint past step 0, then make it look crashed: another "worker"
        // holds the claim with a stale heartbeat
        long deadline = System.currentTimeMillis() + 60_000;
        while (countCheckpoints(id) < 2 && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        markCrashed(id);
        TrainingJob job = awaitStatus(id, "COMPLETED");
        assertTrue(job.attempts >= 2, "the job was claimed again after the crash: attempts " + job.attempts);
        String list = given().queryParam("experimentId", id).get("/checkpoints").then().statusCode(200)
                .extract().asString();
        var nodes = Json.MAPPER.readTree(list);
        long finals = 0;
        for (var n : nodes) {
            finals += n.get("isFinal").asBoolean() ? 1 : 0;
        }
        assertEquals(1, finals, "one final checkpoint: " + list);
        assertEquals(spec.training().steps().longValue(), nodes.get(nodes.size() - 1).get("step").asLong());
    }

    long countCheckpoints(UUID id) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                        "select count(*) from checkpoint where experiment_id = :id")
                .setParameter("id", id).getSingleResult()).longValue());
    }

    void markCrashed(UUID id) {
        int updated = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery("""
                update training_job set claimed_by = 'dead-worker', heartbeat_at = now() - interval '1 hour'
                where experiment_id = :id and status = 'RUNNING'""").setParameter("id", id).executeUpdate());
        assertEquals(1, updated, "the job was running when the test crashed it");
    }

    private TrainingJob awaitStatus(UUID id, String status) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline) {
            var job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id));
            if (job.isPresent() && status.equals(job.get().status)) {
                return job.get();
            }
            Thread.sleep(200);
        }
        throw new AssertionError("job " + id + " never reached " + status + ": " + jobs.find(id).map(j -> j.status));
    }

    private void send(String topic, String key, String value) throws Exception {
        KafkaTestClient.send(topic, key, value);
    }

    private List<String> readKeyed(String topic, String key) {
        return KafkaTestClient.keyed(topic, key);
    }
}
