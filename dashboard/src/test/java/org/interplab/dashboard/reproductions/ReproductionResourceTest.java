package org.interplab.dashboard.reproductions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.dashboard.KafkaTestClient;
import org.junit.jupiter.api.Test;

/**
 * The Reproductions API against PostgreSQL and Kafka: runs are submitted with the claim's own request through
 * POST /api/experiments and finished through training.progress events (the trainer's real path into the database);
 * the claim's figures must then be the runs' metrics, and the agreement count the seeds inside the claim's range.
 */
@QuarkusTest
class ReproductionResourceTest {
    static final String CLAIM = "one-head-dhead4"; // ov-coherent-1head, test_acc ≥ 0.99
    /** Seeds no earlier run of the (persistent) test database used, so that the counts move by exactly ours. */
    static final int SEED = 1_000_000 + new java.util.Random().nextInt(1_000_000_000);

    static JsonNode claim(String id) {
        return Json.read(given().when().get("/api/reproductions/" + id).then().statusCode(200).extract().asString(),
                JsonNode.class);
    }

    static List<String> submit(ObjectNode request) {
        return given().contentType(ContentType.JSON).body(Json.write(request)).when().post("/api/experiments")
                .then().statusCode(202).extract().path("ids");
    }

    static void progress(String id, RunStatus status, Map<String, Double> metrics) {
        KafkaTestClient.send(KafkaTestClient.topic(Topics.TRAINING_PROGRESS), id, Json.write(new TrainingProgress(
                UUID.fromString(id), status, 400, 400, metrics, null, "cpu", Instant.now())));
    }

    static JsonNode await(String id, Predicate<JsonNode> done) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        JsonNode c = claim(id);
        while (!done.test(c) && System.nanoTime() < deadline) {
            Thread.sleep(200);
            c = claim(id);
        }
        return c;
    }

    static JsonNode run(JsonNode claim, String experimentId) {
        for (JsonNode r : claim.get("runs")) {
            if (r.get("experimentId").asText().equals(experimentId)) {
                return r;
            }
        }
        return null;
    }

    @Test
    void figuresAndAgreementComeFromTheRuns() throws Exception {
        JsonNode before = claim(CLAIM);
        assertEquals("ov-coherent-1head", before.get("preset").asText());
        assertEquals("figure ≥ 0.99", before.get("agreeWhen").asText());
        int agreeBefore = before.get("seedsAgree").asInt(), measuredBefore = before.get("seedsMeasured").asInt();

        // three seeds at once, with the claim's request and a seed grid, as the page's button sends it
        ObjectNode sweep = ((ObjectNode) before.get("request")).deepCopy();
        sweep.set("grid", Json.MAPPER.createObjectNode().set("seed", Json.MAPPER.valueToTree(List.of(SEED, SEED + 1,
                SEED + 2))));
        List<String> ids = new ArrayList<>(submit(sweep));
        assertEquals(3, ids.size());
        progress(ids.get(0), RunStatus.COMPLETED, Map.of("test_acc", 1.0, "test_loss", 0.01));
        progress(ids.get(1), RunStatus.COMPLETED, Map.of("test_acc", 0.995));
        progress(ids.get(2), RunStatus.COMPLETED, Map.of("test_acc", 0.6));
        JsonNode after = await(CLAIM, c -> ids.stream().allMatch(id -> run(c, id) != null
                && run(c, id).path("value").isNumber()));
        assertEquals(1.0, run(after, ids.get(0)).get("value").asDouble(), 1e-12);
        assertTrue(run(after, ids.get(1)).get("agrees").asBoolean());
        assertEquals(0.6, run(after, ids.get(2)).get("value").asDouble(), 1e-12);
        assertEquals(false, run(after, ids.get(2)).get("agrees").asBoolean());
        assertEquals(agreeBefore + 2, after.get("seedsAgree").asInt());
        assertEquals(measuredBefore + 3, after.get("seedsMeasured").asInt());

        // a newer run of the third seed replaces that seed's figure; the newest figure is the claim's latest
        ObjectNode single = ((ObjectNode) before.get("request")).deepCopy().put("seed", SEED + 2);
        String rerun = submit(single).get(0);
        JsonNode queued = await(CLAIM, c -> run(c, rerun) != null);
        assertTrue(run(queued, rerun).path("value").isMissingNode());
        assertEquals("run is queued", run(queued, rerun).get("missing").asText());
        progress(rerun, RunStatus.COMPLETED, Map.of("test_acc", 0.999));
        JsonNode last = await(CLAIM, c -> run(c, rerun).path("value").isNumber());
        assertEquals(rerun, last.get("latest").get("experimentId").asText());
        assertEquals(0.999, last.get("latest").get("value").asDouble(), 1e-12);
        assertEquals(agreeBefore + 3, last.get("seedsAgree").asInt());
        assertEquals(measuredBefore + 3, last.get("seedsMeasured").asInt());
    }

    @Test
    void aTableFigureWithoutAnAnalysisSaysWhy() throws Exception {
        JsonNode tau = claim("reversed-head-orders");
        ObjectNode request = ((ObjectNode) tau.get("request")).deepCopy().put("seed", SEED + 3);
        String id = submit(request).get(0);
        progress(id, RunStatus.COMPLETED, Map.of("test_acc", 1.0));
        JsonNode c = await("reversed-head-orders", x -> run(x, id) != null && "COMPLETED".equals(
                run(x, id).get("status").asText()));
        assertTrue(run(c, id).path("value").isMissingNode());
        assertEquals("no analysed checkpoint with table head_order_tau", run(c, id).get("missing").asText());
    }

    @Test
    void everyClaimIsListedAndAnUnknownOneIsA404() {
        given().when().get("/api/reproductions").then().statusCode(200)
                .body("size()", equalTo(Claims.ALL.size()))
                .body("find { it.id == 'tms-dropout' }.request.overrides.model.dropout", equalTo(0.5f));
        given().when().get("/api/reproductions/nope").then().statusCode(404).contentType(ContentType.JSON)
                .body("error", containsString("no claim 'nope'"));
    }

    @Test
    void countingCellsAndOverrides() throws Exception {
        // dead_neurons of 4 instances: 2 have a dead neuron
        JsonNode table = Json.read("{\"name\":\"dead_neurons\",\"rowLabels\":[\"I0\",\"I1\",\"I2\",\"I3\"],"
                + "\"colLabels\":[\"max pre n0\",\"max pre n1\",\"dead\"],"
                + "\"values\":[[1,-1,1],[2,3,0],[-0.5,-2,2],[0.1,0.2,0]]}", JsonNode.class);
        Claim and = Claims.byId("cis-and-dead-neurons").orElseThrow();
        assertEquals(2, ReproductionService.cell(and.measure(), table), 0);
        assertTrue(and.agree().test(2));
        Claim dropout = Claims.byId("tms-dropout").orElseThrow();
        assertTrue(dropout.matches(Json.read("{\"model\":{\"dropout\":0.5,\"nHidden\":5}}", JsonNode.class)));
        assertEquals(false, dropout.matches(Json.read("{\"model\":{\"dropout\":0.0}}", JsonNode.class)));
    }
}
