package org.interplab.analysis;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.circuits.ReferenceModels;
import org.junit.jupiter.api.Test;

/** Analyses are never lost to a transient fault; a checkpoint that cannot be analysed fails visibly and retryably. */
@QuarkusTest
class AnalysisJobsTest {
    @Test
    void aTrainerThatAnswers503ForAWhileIsRetriedUntilTheAnalysisSucceeds() throws Exception {
        UUID id = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(id, Safetensors.write(ReferenceModels.xorConstruction().weights(), Map.of()));
        TestTrainerCheckpoints.UNAVAILABLE.put(id, 3);
        publish(id);
        JsonNode job = awaitJob(id, "DONE");
        assertEquals(4, job.get("attempts").asInt(), "three 503s, then the analysis: " + job);
        given().get("/analysis/" + id).then().statusCode(200);
    }

    @Test
    void aCheckpointTheTrainerDoesNotKnowFailsWithItsReasonAndCanBeRetried() throws Exception {
        UUID forged = UUID.randomUUID();
        publish(forged);
        JsonNode job = awaitJob(forged, "FAILED");
        assertTrue(job.get("error").asText().contains("404"), job.toString());
        assertEquals(1, job.get("attempts").asInt(), "a 404 is not retried blindly");
        String failed = given().queryParam("status", "FAILED").get("/analysis-jobs").then().statusCode(200)
                .extract().asString();
        assertTrue(failed.contains(forged.toString()), failed);

        TestTrainerCheckpoints.FILES.put(forged,
                Safetensors.write(ReferenceModels.xorConstruction().weights(), Map.of()));
        given().post("/analysis-jobs/" + forged + "/retry").then().statusCode(200);
        awaitJob(forged, "DONE");
        given().get("/analysis/" + forged).then().statusCode(200);
        given().queryParam("status", "NOPE").get("/analysis-jobs").then().statusCode(400);
        given().post("/analysis-jobs/" + UUID.randomUUID() + "/retry").then().statusCode(404);
    }

    @Test
    void anUnreadableEventIsADeadLetterThatCanBeListedAndReplayed() throws Exception {
        String marker = "not JSON " + UUID.randomUUID();
        CheckpointEvents.send(UUID.randomUUID().toString(), marker);
        JsonNode letter = null;
        long deadline = System.currentTimeMillis() + 60_000;
        while (letter == null && System.currentTimeMillis() < deadline) {
            for (JsonNode l : Json.MAPPER.readTree(given().get("/dead-letters").then().statusCode(200).extract()
                    .asString())) {
                if (marker.equals(l.get("value").asText())) {
                    letter = l;
                }
            }
            Thread.sleep(300);
        }
        assertTrue(letter != null, "the poison event reached the dead-letter topic");
        given().post("/dead-letters/" + letter.get("partition").asInt() + "/" + letter.get("offset").asLong()
                + "/replay").then().statusCode(200);
        given().post("/dead-letters/0/999999999/replay").then().statusCode(404);
    }

    private JsonNode awaitJob(UUID id, String status) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        JsonNode job = null;
        while (System.currentTimeMillis() < deadline) {
            var r = given().get("/analysis-jobs/" + id);
            if (r.statusCode() == 200) {
                job = Json.MAPPER.readTree(r.asString());
                if (status.equals(job.get("status").asText())) {
                    return job;
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("analysis job " + id + " never reached " + status + ": " + job);
    }

    private void publish(UUID checkpointId) throws Exception {
        CheckpointEvents.send(checkpointId.toString(), Json.write(new CheckpointPublished(checkpointId, null, 0, true, Map.of(),
                ReferenceModels.xorConstruction().spec(), Instant.now())));
    }
}
