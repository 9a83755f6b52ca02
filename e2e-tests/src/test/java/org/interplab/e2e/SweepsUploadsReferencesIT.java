package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Sweeps, uploads and the reference constructions, end to end against the packaged stack that {@code ./lab test}
 * started: a sweep fans out over the trainers and finishes; the trainer registered seed 003's XOR construction and
 * seed 000's one-head construction at start-up, analysed like any model and listed with their accuracies; the XOR
 * construction uploaded as a file gets the same analysis (its readoff scores are the construction's ±10000).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SweepsUploadsReferencesIT {
    static final Duration TIMEOUT = Duration.ofMinutes(6);
    static final UUID XOR_REFERENCE = ReferenceCheckpoints.id(ReferenceCheckpoints.XOR);
    static String jdbc;

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
        jdbc = Lab.JDBC;
    }

    @Test
    @Order(1)
    void aTwoPointSweepOfXorSeedsFinishes() throws Exception {
        Response submitted = given().contentType(ContentType.JSON)
                .body("{\"preset\": \"xor\", \"grid\": {\"seed\": [1, 2]}}").post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        List<String> ids = submitted.jsonPath().getList("ids");
        assertEquals(2, ids.size());
        String sweepId = submitted.jsonPath().getString("sweepId");
        assertNotNull(sweepId);

        JsonNode sweep = Lab.await("sweep " + sweepId + " completed", TIMEOUT, () -> {
            JsonNode s = Lab.getJson("/api/sweeps/" + sweepId);
            assertEquals(0, s.path("counts").path("FAILED").asInt(), "a point failed: " + s);
            return "COMPLETED".equals(s.path("status").asText()) ? s : null;
        });
        assertEquals(2, sweep.path("counts").path("COMPLETED").asInt());
        assertEquals("{\"seed\":[1,2]}", sweep.path("grid").toString());
        for (int i = 0; i < 2; i++) {
            JsonNode e = sweep.path("experiments").get(i);
            assertEquals(ids.get(i), e.path("id").asText());
            assertEquals(i + 1, e.path("gridPoint").path("seed").asInt());
            assertEquals(i + 1, e.path("seed").asInt());
            double acc = e.path("lastMetrics").path("test_acc").asDouble(-1);
            assertTrue(acc >= 0 && acc <= 1, "test_acc of point " + i + ": " + e);
        }
        assertEquals(1.0, sweep.path("experiments").get(0).path("lastMetrics").path("test_acc").asDouble(), 1e-9,
                "seed 1 solves XOR (as in XorPipelineIT)");
        JsonNode listed = Lab.getJson("/api/sweeps");
        boolean found = false;
        for (JsonNode s : listed) {
            found |= sweepId.equals(s.path("id").asText()) && s.path("counts").path("COMPLETED").asInt() == 2;
        }
        assertTrue(found, "the sweep is listed with its counts: " + listed);

        JsonNode comparison = Lab.getJson("/api/experiments/compare?ids=" + ids.get(0) + "," + ids.get(1));
        assertEquals("seed", comparison.path("diff").get(0).path("path").asText(), comparison.path("diff").toString());
        assertEquals(1, comparison.path("diff").size(), comparison.path("diff").toString());
        assertTrue(comparison.path("runs").get(0).path("metrics").size() >= 2, "curves come along");

        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab");
             PreparedStatement st = db.prepareStatement(
                     "select count(*) from trainer.training_job where experiment_id = any(?) and status = 'COMPLETED'")) {
            st.setArray(1, db.createArrayOf("uuid", ids.stream().map(UUID::fromString).toArray()));
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                assertEquals(2, rs.getLong(1), "both points were trained by the trainer");
            }
        }
    }

    @Test
    @Order(2)
    void theReferenceConstructionsAreListedWithTestAccuracyOne() throws Exception {
        JsonNode references = Lab.await("both reference checkpoints listed", TIMEOUT, () -> {
            JsonNode list = Lab.getJson("/api/checkpoints?source=reference");
            return list.size() >= 2 ? list : null;
        });
        List<String> names = new ArrayList<>();
        for (JsonNode c : references) {
            names.add(c.path("name").asText());
            assertEquals(1.0, c.path("metrics").path("test_acc").asDouble(), 1e-9, "accuracy of " + c);
            assertTrue(c.path("experimentId").isNull() || c.path("experimentId").isMissingNode());
        }
        assertTrue(names.contains("xor-reference") && names.contains("ov-coherent-1head-reference"), names.toString());

        JsonNode xor = Lab.await("the XOR construction analysed", TIMEOUT, () -> {
            JsonNode c = Lab.getJson("/api/checkpoints/" + XOR_REFERENCE);
            return "pending".equals(c.path("model").path("analysisStatus").asText()) ? null : c;
        });
        assertEquals("completed", xor.path("model").path("analysisStatus").asText(), xor.toString());
        assertReadoffScores(XOR_REFERENCE.toString());
    }

    @Test
    @Order(3)
    void anUploadedXorConstructionIsAnalysedLikeATrainedModel() throws Exception {
        // the file: the registered construction as the lab serves it, spec given as its own part
        byte[] file = given().get("/api/checkpoints/" + XOR_REFERENCE + "/safetensors").then().statusCode(200)
                .extract().asByteArray();
        String spec = Lab.getJson("/api/checkpoints/" + XOR_REFERENCE).path("spec").toString();
        Response uploaded = given().multiPart("file", "xor-construction.safetensors", file, "application/octet-stream")
                .multiPart("spec", spec).post("/api/checkpoints");
        assertEquals(202, uploaded.statusCode(), uploaded.asString());
        String id = uploaded.jsonPath().getString("checkpointId");
        assertEquals("uploaded", uploaded.jsonPath().getString("source"));
        assertEquals(1.0, uploaded.jsonPath().getDouble("metrics.test_acc"), 1e-9);

        JsonNode model = Lab.await("the upload analysed", TIMEOUT, () -> {
            JsonNode c = Lab.getJson("/api/checkpoints/" + id);
            return "pending".equals(c.path("model").path("analysisStatus").asText()) ? null : c;
        });
        assertEquals("uploaded", model.path("model").path("source").asText());
        assertEquals("completed", model.path("model").path("analysisStatus").asText(), model.toString());
        assertReadoffScores(id);

        // a malformed file and a wrong shape are refused, naming what is wrong, and nothing is stored
        long before = uploadedCount();
        Response malformed = given().multiPart("file", "x.safetensors", new byte[] {1, 2, 3}, "application/octet-stream")
                .multiPart("spec", spec).post("/api/checkpoints");
        assertEquals(400, malformed.statusCode(), malformed.asString());
        assertEquals("file", malformed.jsonPath().getString("field"));
        String threeHeads = spec.replace("\"nHeads\":2", "\"nHeads\":3");
        assertFalse(threeHeads.equals(spec));
        Response wrongShape = given().multiPart("file", "x.safetensors", file, "application/octet-stream")
                .multiPart("spec", threeHeads).post("/api/checkpoints");
        assertEquals(400, wrongShape.statusCode(), wrongShape.asString());
        assertEquals("blocks.0.attn.W_Q", wrongShape.jsonPath().getString("field"));
        assertEquals(before, uploadedCount());
    }

    /** Seed 003: from Q, head 0 scores A −10000 and B +10000; head 1 the reverse; C and D 0 (every position). */
    private static void assertReadoffScores(String checkpointId) {
        double[][] expected = {{-10000, 10000, 0, 0}, {10000, -10000, 0, 0}};
        for (int head = 0; head < 2; head++) {
            JsonNode table = Lab.getJson("/api/checkpoints/" + checkpointId + "/analysis/scores_readoff.L0H" + head);
            assertEquals("[\"A\",\"B\",\"C\",\"D\",\"Q\"]", table.path("rowLabels").toString());
            JsonNode values = table.path("values");
            for (int token = 0; token < 4; token++) {
                for (JsonNode v : values.get(token)) {
                    assertEquals(expected[head][token], v.asDouble(), 1e-2,
                            "L0H" + head + " score of " + table.path("rowLabels").get(token) + ": " + values);
                }
            }
        }
    }

    private static long uploadedCount() throws Exception {
        try (Connection db = DriverManager.getConnection(jdbc, "interplab", "interplab");
             ResultSet rs = db.createStatement().executeQuery(
                     "select count(*) from trainer.checkpoint where source = 'uploaded'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

}
