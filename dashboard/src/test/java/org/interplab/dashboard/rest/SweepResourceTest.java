package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.interplab.dashboard.SqlCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.contracts.spec.Presets;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Sweeps: POST /api/experiments with a grid, GET /api/sweeps, and comparing runs, against PG and Kafka. */
@QuarkusTest
class SweepResourceTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    SqlCounts db;

    long count(String sql, Object param) {
        return db.count(sql, param);
    }

    long rows() {
        return count("select count(*) from dashboard.experiment", null)
                + 1000 * count("select count(*) from dashboard.sweep", null);
    }

    static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/experiments");
    }

    static void progress(TrainingProgress p) {
        KafkaTestClient.send(KafkaTestClient.topic(Topics.TRAINING_PROGRESS), p.experimentId().toString(),
                Json.write(p));
    }

    @Test
    void aPresetWithAGridIsStoredAsASweepAndEveryPointIsRequested() throws Exception {
        long sweepsBefore = count("select count(*) from dashboard.sweep", null);
        Response response = submit("{\"preset\": \"xor\", \"seed\": 1, \"overrides\": {\"training\": {\"steps\": 5}},"
                + " \"grid\": {\"seed\": [11, 12], \"model.dHead\": [2, 4]}}");
        response.then().statusCode(202).body("ids.size()", equalTo(4)).body("status", equalTo("QUEUED"));
        UUID sweepId = UUID.fromString(response.path("sweepId"));
        List<String> ids = response.path("ids");
        assertEquals(ids.get(0), response.path("id"));
        assertTrue(response.header("Location").endsWith("/api/sweeps/" + sweepId));
        assertEquals(sweepsBefore + 1, count("select count(*) from dashboard.sweep", null));
        assertEquals(4, count("select count(*) from dashboard.experiment where sweep_id = ?", sweepId));

        long[] seeds = {11, 11, 12, 12};
        int[] dHeads = {2, 4, 2, 4};
        for (int i = 0; i < 4; i++) {
            String id = ids.get(i);
            ExperimentRequested requested = Json.read(KafkaTestClient.awaitRecord(
                    KafkaTestClient.topic(Topics.EXPERIMENTS_REQUESTED), r -> id.equals(r.key()), WAIT).value(),
                    ExperimentRequested.class);
            assertEquals(seeds[i], requested.spec().seed(), "point " + i);
            assertEquals(dHeads[i], requested.spec().model().dHead(), "point " + i);
            assertEquals(5, requested.spec().training().steps(), "the overrides apply to every point");
        }

        given().get("/api/sweeps/" + sweepId).then().statusCode(200)
                .body("name", equalTo("xor"))
                .body("preset", equalTo("xor"))
                .body("points", equalTo(4))
                .body("status", equalTo("QUEUED"))
                .body("counts.QUEUED", equalTo(4))
                .body("counts.COMPLETED", equalTo(0))
                .body("grid.seed", equalTo(List.of(11, 12)))
                .body("baseSpec.training.steps", equalTo(5))
                .body("experiments.id", equalTo(ids))
                .body("experiments[1].gridPoint.seed", equalTo(11))
                .body("experiments[1].gridPoint.'model.dHead'", equalTo(4))
                .body("experiments[1].name", equalTo("xor [seed=11, dHead=4]"));
        given().get("/api/experiments/" + ids.get(2)).then().statusCode(200)
                .body("sweepId", equalTo(sweepId.toString()))
                .body("gridPoint.seed", equalTo(12));

        // the trainer reports: one point running, one completed
        progress(new TrainingProgress(UUID.fromString(ids.get(0)), RunStatus.RUNNING, 10, 30,
                Map.of("loss", 0.5), null, "cpu", Instant.now()));
        progress(new TrainingProgress(UUID.fromString(ids.get(1)), RunStatus.COMPLETED, 30, 30,
                Map.of("loss", 0.01, "test_acc", 1.0), "completed", "cpu", Instant.now()));
        await().atMost(WAIT).until(() -> Integer.valueOf(1).equals(
                given().get("/api/sweeps/" + sweepId).then().extract().path("counts.COMPLETED"))
                && Integer.valueOf(1).equals(given().get("/api/sweeps/" + sweepId).then().extract()
                .path("counts.RUNNING")));
        given().get("/api/sweeps/" + sweepId).then()
                .body("status", equalTo("RUNNING"))
                .body("counts.QUEUED", equalTo(2))
                .body("experiments[1].status", equalTo("COMPLETED"))
                .body("experiments[1].lastMetrics.test_acc", equalTo(1.0f));
        given().get("/api/sweeps").then().statusCode(200)
                .body("find { it.id == '" + sweepId + "' }.counts.RUNNING", equalTo(1))
                .body("find { it.id == '" + sweepId + "' }.points", equalTo(4))
                .body("find { it.id == '" + sweepId + "' }.status", equalTo("RUNNING"));

        // compare two points: the spec differs in seed and model.dHead only; their curves come along
        JsonNode comparison = Json.MAPPER.readTree(given().queryParam("ids", ids.get(0) + "," + ids.get(3))
                .get("/api/experiments/compare").then().statusCode(200).extract().asString());
        assertEquals(2, comparison.path("runs").size());
        Map<String, String> diff = new java.util.LinkedHashMap<>();
        comparison.path("diff").forEach(d -> diff.put(d.path("path").asText(), d.path("values").toString()));
        assertEquals(Map.of("model.dHead", "[2,4]", "seed", "[11,12]"), diff);
        assertEquals(0.5, comparison.path("runs").get(0).path("metrics").get(0).path("metrics").path("loss")
                .asDouble(), 0);
        assertEquals(10, comparison.path("runs").get(0).path("metrics").get(0).path("step").asLong());
        assertEquals(0, comparison.path("runs").get(1).path("metrics").size());
        assertEquals(2, comparison.path("runs").get(1).path("spec").path("model").path("nHeads").asInt());
    }

    @Test
    void aSpecWithAGridInEitherShapeIsASweep() throws Exception {
        // few steps: the trainer's own tests (same qt. topics) pick these requests up and train them
        String spec = Json.write(Presets.expand("xor", 5L, Json.MAPPER.readTree("{\"training\": {\"steps\": 5}}")));
        submit("{\"spec\": " + spec + ", \"grid\": {\"seed\": [1, 2, 3]}}").then().statusCode(202)
                .body("ids.size()", equalTo(3));
        String inline = spec.substring(0, spec.length() - 1) + ", \"grid\": {\"training.lr\": [0.01, 0.001]}}";
        submit(inline).then().statusCode(202).body("ids.size()", equalTo(2));
        // without a grid, the wrapped shape is one experiment
        submit("{\"spec\": " + spec + "}").then().statusCode(202).body("ids.size()", equalTo(1))
                .body("sweepId", nullValue());
    }

    @Test
    void aBadGridIsRefusedNamingTheValueAndNothingIsStored() {
        long before = rows();
        submit("{\"preset\": \"xor\", \"grid\": {\"seed\": [1, 2], \"model.nHeads\": [2, 0]}}").then()
                .statusCode(400)
                .body("field", equalTo("grid.model.nHeads[1]"))
                .body("error", containsString("must be in [1, "))
                .body("errors.field", hasItem("grid.model.nHeads[1]"));
        submit("{\"preset\": \"xor\", \"grid\": {\"model.dropot\": [0.1]}}").then()
                .statusCode(400).body("field", equalTo("grid.model.dropot")).body("error", containsString("dropout"));
        submit("{\"preset\": \"xor\", \"grid\": {\"model.dHead\": [1, \"two\"]}}").then()
                .statusCode(400).body("field", equalTo("grid.model.dHead[1]"));
        submit("{\"preset\": \"xor\", \"grid\": [1, 2]}").then().statusCode(400).body("field", equalTo("grid"));
        StringBuilder many = new StringBuilder();
        for (int s = 0; s < 300; s++) {
            many.append(s == 0 ? "" : ",").append(s);
        }
        submit("{\"preset\": \"xor\", \"grid\": {\"seed\": [" + many + "]}}").then()
                .statusCode(400).body("field", equalTo("grid")).body("error", containsString("256"));
        submit("{\"spec\": 3, \"grid\": {\"seed\": [1]}}").then().statusCode(400).body("field", equalTo("spec"));
        submit("{\"spec\": {}, \"grid\": {\"seed\": [1]}, \"extra\": 1}").then().statusCode(400)
                .body("field", equalTo("extra"));
        assertEquals(before, rows());
    }

    @Test
    void theDropoutSweepPresetExpandsToFeatureProbabilityTimesDropout() {
        Assumptions.assumeTrue(Presets.NAMES.contains("tms-dropout-sweep"), "tms-dropout-sweep.json not present");
        int points = given().get("/api/presets").then().statusCode(200)
                .extract().path("find { it.name == 'tms-dropout-sweep' }.points");
        // few steps: the trainer's own tests (same qt. topics) pick these requests up and train them
        String cheap = "\"overrides\": {\"training\": {\"steps\": 5}}";
        Response response = submit("{\"preset\": \"tms-dropout-sweep\", \"seed\": 1, " + cheap + "}");
        response.then().statusCode(202).body("ids.size()", equalTo(points));
        UUID sweepId = UUID.fromString(response.path("sweepId"));
        given().get("/api/sweeps/" + sweepId).then().statusCode(200)
                .body("grid.'task.featureProbability'.size()", equalTo(3))
                .body("grid.'model.dropout'.size()", equalTo(4))
                .body("experiments[0].gridPoint.'model.dropout'", equalTo(0.0f));
        // "grid": null asks for the preset's base spec alone
        submit("{\"preset\": \"tms-dropout-sweep\", \"seed\": 1, \"grid\": null, " + cheap + "}").then()
                .statusCode(202)
                .body("ids.size()", equalTo(1)).body("sweepId", nullValue());
    }

    @Test
    void presetsWithoutAGridHaveNone() {
        given().get("/api/presets").then().statusCode(200)
                .body("find { it.name == 'xor' }.grid", nullValue())
                .body("find { it.name == 'xor' }.points", nullValue());
    }

    @Test
    void compareRefusesBadIds() {
        UUID a = UUID.fromString(submit("{\"preset\": \"xor\", \"seed\": 21, \"overrides\": {\"training\": "
                + "{\"steps\": 5}}}").then().statusCode(202).extract().path("id"));
        given().queryParam("ids", a.toString()).get("/api/experiments/compare").then().statusCode(400)
                .body("field", equalTo("ids"));
        given().queryParam("ids", a + ",nope").get("/api/experiments/compare").then().statusCode(400)
                .body("field", equalTo("ids"));
        given().get("/api/experiments/compare").then().statusCode(400).body("field", equalTo("ids"));
        given().queryParam("ids", a + "," + UUID.randomUUID()).get("/api/experiments/compare").then()
                .statusCode(404);
        given().get("/api/sweeps/" + UUID.randomUUID()).then().statusCode(404);
        given().get("/api/sweeps/xyz").then().statusCode(400).body("field", equalTo("id"));
        assertNotNull(a);
    }
}
