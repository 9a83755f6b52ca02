package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.trainer.entity.TrainingJob;
import org.interplab.trainer.service.JobStore;
import org.junit.jupiter.api.Test;

/**
 * Every preset the API offers trains on this trainer to a stored, downloadable checkpoint (shortened to a few steps:
 * the point is that each model kind, task and optimiser setting runs here, not how far it gets), and a running
 * experiment can be cancelled.
 */
@QuarkusTest
class EveryPresetTrainsTest {
    @Inject
    JobStore jobs;

    @Test
    void everyPresetTrainsToAStoredCheckpoint() throws Exception {
        List<UUID> ids = new ArrayList<>();
        // the Hugging Face TinyStories shapes (d_model 1024, n_ctx 512) are for import and GPUs, not a CPU test;
        // the other language models train with a small batch (50257 logits per position)
        List<String> names = Presets.NAMES.stream().filter(n -> !n.endsWith("-21m") && !n.endsWith("-33m")).toList();
        for (String name : names) {
            int batch = "lm".equals(Presets.load(name).path("task").path("kind").asText()) ? 4 : 64;
            ExperimentSpec spec = Presets.expand(name, 5L, Json.MAPPER.readTree(
                    "{\"training\":{\"steps\":3,\"evalEvery\":1,\"batchSize\":" + batch + "}}"));
            UUID id = UUID.randomUUID();
            jobs.enqueue(id, spec);
            ids.add(id);
        }
        for (int i = 0; i < ids.size(); i++) {
            UUID id = ids.get(i);
            TrainingJob job = await(id, 240_000);
            assertEquals("COMPLETED", job.status, names.get(i) + " ended " + job.status + ": " + job.error);
            JsonNode list = Json.MAPPER.readTree(given().queryParam("experimentId", id).get("/checkpoints")
                    .then().statusCode(200).extract().asString());
            JsonNode last = list.get(list.size() - 1);
            assertTrue(last.get("isFinal").asBoolean(), names.get(i) + ": " + list);
            assertEquals(3, last.get("step").asLong());
            byte[] file = given().get("/checkpoints/" + last.get("id").asText() + "/safetensors").then()
                    .statusCode(200).extract().asByteArray();
            assertTrue(file.length > 8, names.get(i));
        }
    }

    @Test
    void aRunningExperimentCanBeCancelled() throws Exception {
        UUID id = UUID.randomUUID();
        jobs.enqueue(id, Presets.expand("xor", 9L, Json.MAPPER.readTree("{\"training\":{\"steps\":200000}}")));
        long deadline = System.currentTimeMillis() + 60_000;
        while (!"RUNNING".equals(QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).get().status)) {
            assertTrue(System.currentTimeMillis() < deadline, "never started");
            Thread.sleep(100);
        }
        given().post("/experiments/" + id + "/cancel").then().statusCode(200);
        TrainingJob job = await(id, 60_000);
        assertEquals("CANCELLED", job.status);
        assertTrue(job.step < 200_000, "stopped early, at step " + job.step);
    }

    private TrainingJob await(UUID id, long millis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + millis;
        while (System.currentTimeMillis() < deadline) {
            TrainingJob job = QuarkusTransaction.requiringNew().call(() -> jobs.find(id)).orElseThrow();
            if (job.status.equals("COMPLETED") || job.status.equals("FAILED") || job.status.equals("CANCELLED")) {
                return job;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("experiment " + id + " did not finish in " + millis + " ms");
    }
}
