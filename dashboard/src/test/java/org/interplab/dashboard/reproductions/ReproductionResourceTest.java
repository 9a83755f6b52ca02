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
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.testkit.KafkaTestClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import java.util.LinkedHashMap;
import org.junit.jupiter.api.Test;

/**
 * The Reproductions API against PostgreSQL and Kafka: runs are submitted with the claim's own request through
 * POST /api/experiments and finished through training.progress events (the trainer's real path into the database);
 * the claim's figures must then be the runs' metrics, and the agreement count the seeds inside the claim's range.
 */
@QuarkusTest
class ReproductionResourceTest {
    @Inject
    ReproductionService service;
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

    /** A dims_per_feature table as the analysis service returns it, one row per instance. */
    static JsonNode dimsPerFeature(double... perInstance) {
        ObjectNode t = Json.MAPPER.createObjectNode().put("name", "dims_per_feature");
        var rows = t.putArray("rowLabels");
        t.putArray("colLabels").add("m/‖W‖_F²");
        var values = t.putArray("values");
        for (int i = 0; i < perInstance.length; i++) {
            rows.add("I" + i);
            values.addArray().add(perInstance[i]);
        }
        return t;
    }

    /** The run finished, its final checkpoint was published and analysed (dims_per_feature), as the services do. */
    static UUID finishWithTables(String id) {
        progress(id, RunStatus.COMPLETED, Map.of("test_loss", 0.1));
        UUID checkpoint = UUID.randomUUID();
        KafkaTestClient.send(KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED), checkpoint.toString(),
                Json.write(new CheckpointPublished(checkpoint, UUID.fromString(id), 400, true, Map.of("test_loss", 0.1),
                        null, Instant.now())));
        KafkaTestClient.send(KafkaTestClient.topic(Topics.ANALYSIS_COMPLETED), checkpoint.toString(),
                Json.write(new AnalysisCompleted(checkpoint, UUID.fromString(id), List.of("dims_per_feature"),
                        List.of(), Instant.now())));
        return checkpoint;
    }

    /** dropout 0.5 against the dropout-0 run of the same seed: ratio of the instance means, each seed once. */
    @Test
    void aComparisonDividesEachRunByTheBaselineOfItsSeed() throws Exception {
        String id = "tms-dropout-vs-baseline";
        JsonNode c = claim(id);
        assertEquals("tms-dropout-sweep", c.get("preset").asText());
        assertTrue(c.get("compare").asText().startsWith("model.dropout = 0.5 against the baseline model.dropout = 0.0"),
                c.get("compare").asText());
        assertEquals(List.of(0.0, 0.5), Json.MAPPER.convertValue(c.get("request").get("grid").get("model.dropout"),
                List.class));
        int agreeBefore = c.get("seedsAgree").asInt(), measuredBefore = c.get("seedsMeasured").asInt();

        // both settings for two seeds in one request, as the page's button sends it (the seeds added to the grid)
        ObjectNode request = ((ObjectNode) c.get("request")).deepCopy();
        ((ObjectNode) request.get("grid")).set("seed", Json.MAPPER.valueToTree(List.of(SEED + 10, SEED + 11)));
        List<String> ids = submit(request); // model.dropout varies slowest: (0, s), (0, s+1), (0.5, s), (0.5, s+1)
        assertEquals(4, ids.size());
        // a third seed with the dropout run only: no baseline to compare with
        // (a grid of one seed: without a grid the preset's own default grid would make it a 12-point sweep)
        ObjectNode single = ((ObjectNode) c.get("request")).deepCopy();
        single.set("grid", Json.read("{\"seed\": [" + (SEED + 12) + "]}", JsonNode.class));
        single.set("overrides", Json.read("{\"task\":{\"featureProbability\":0.1},\"model\":{\"dropout\":0.5}}",
                JsonNode.class));
        String lonely = submit(single).get(0);
        Map<UUID, JsonNode> tables = new LinkedHashMap<>();
        tables.put(finishWithTables(ids.get(0)), dimsPerFeature(0.3, 0.3, 0.3, 0.3));   // baseline, seed s
        tables.put(finishWithTables(ids.get(1)), dimsPerFeature(0.4, 0.4, 0.4, 0.4));   // baseline, seed s+1
        tables.put(finishWithTables(ids.get(2)), dimsPerFeature(0.6, 0.7, 0.8, 0.9));   // dropout, seed s: 0.75/0.3
        tables.put(finishWithTables(ids.get(3)), dimsPerFeature(0.4, 0.5, 0.4, 0.3));   // dropout, seed s+1: 0.4/0.4
        tables.put(finishWithTables(lonely), dimsPerFeature(1, 1, 1, 1));

        // the database has the runs and their analyses once the API lists every dropout run as completed
        await(id, x -> List.of(ids.get(2), ids.get(3), lonely).stream().allMatch(r -> run(x, r) != null
                && "COMPLETED".equals(run(x, r).get("status").asText())
                && run(x, r).path("missing").asText().startsWith("analysis service")));
        awaitAnalyses(tables.size(), ids, lonely);
        Claim dropout = Claims.byId(id).orElseThrow();
        JsonNode view = Json.MAPPER.valueToTree(QuarkusTransaction.requiringNew().call(() -> service.one(dropout,
                tables)));
        assertEquals(null, run(view, ids.get(0)), "baselines are not runs of the claim");
        JsonNode first = run(view, ids.get(2));
        assertEquals(0.75 / 0.3, first.get("value").asDouble(), 1e-12);
        assertEquals(0.75, first.get("measured").asDouble(), 1e-12);
        assertEquals(ids.get(0), first.get("baseline").get("experimentId").asText());
        assertEquals(0.3, first.get("baseline").get("measured").asDouble(), 1e-12);
        assertTrue(first.get("agrees").asBoolean());
        assertEquals(4, first.get("series").size());
        assertEquals("I3", first.get("series").get(3).get("row").asText());
        assertEquals(0.9, first.get("series").get(3).get("value").asDouble(), 1e-12);
        assertEquals(0.3, first.get("series").get(3).get("baseline").asDouble(), 1e-12);
        JsonNode second = run(view, ids.get(3));
        assertEquals(1.0, second.get("value").asDouble(), 1e-12);
        assertEquals(false, second.get("agrees").asBoolean());
        assertEquals(ids.get(1), second.get("baseline").get("experimentId").asText());
        JsonNode alone = run(view, lonely);
        assertTrue(alone.path("value").isMissingNode());
        assertEquals(1.0, alone.get("measured").asDouble(), 1e-12);
        assertEquals("no baseline run of seed " + (SEED + 12) + " (model.dropout = 0.0)", alone.get("missing").asText());
        assertEquals(agreeBefore + 1, view.get("seedsAgree").asInt());
        assertEquals(measuredBefore + 2, view.get("seedsMeasured").asInt());
    }

    /** Every analysis record of these runs is in the database (the listener consumed the events). */
    static void awaitAnalyses(int n, List<String> ids, String other) throws InterruptedException {
        List<UUID> experiments = new ArrayList<>(ids.stream().map(UUID::fromString).toList());
        experiments.add(UUID.fromString(other));
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        long count = 0;
        while (System.nanoTime() < deadline) {
            count = QuarkusTransaction.requiringNew().call(() -> org.interplab.dashboard.entity.AnalysisRecord
                    .count("experimentId in ?1", experiments));
            if (count >= n) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("analyses recorded: " + count + " of " + n);
    }

    @Test
    void theMeanOfAColumnAndTheSeriesOfATableMeasure() throws Exception {
        Claim gelu = Claims.byId("tms-gelu-vs-relu").orElseThrow();
        assertEquals(0.5, ReproductionService.cell(gelu.measure(), dimsPerFeature(0.2, 0.4, 0.9)), 1e-12);
        assertEquals(List.of(0.2, 0.4, 0.9), ReproductionService.column(gelu.measure(), dimsPerFeature(0.2, 0.4, 0.9)));
        assertEquals(-0.1, gelu.compare().combine(0.3, 0.4), 1e-12);
        assertTrue(gelu.compare().isClaimRun(Json.read("{\"model\":{\"actFn\":\"gelu\"}}", JsonNode.class)));
        assertTrue(gelu.compare().isBaselineRun(Json.read("{\"model\":{\"actFn\":\"relu\"}}", JsonNode.class)));
        assertEquals(false, gelu.compare().isClaimRun(Json.read("{\"model\":{}}", JsonNode.class)));
        Claim dropout = Claims.byId("tms-dropout-vs-baseline").orElseThrow();
        assertTrue(dropout.compare().isBaselineRun(Json.read("{\"model\":{\"dropout\":0}}", JsonNode.class)));
        assertEquals(2.5, dropout.compare().combine(0.75, 0.3), 1e-12);
        // a ReLU-only plateau claim no longer counts GeLU runs of the same preset
        Claim plateaus = Claims.byId("tms-plateaus").orElseThrow();
        assertEquals(false, plateaus.matches(Json.read("{\"model\":{\"actFn\":\"gelu\"}}", JsonNode.class)));
    }
}
