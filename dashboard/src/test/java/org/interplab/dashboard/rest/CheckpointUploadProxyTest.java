package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** POST /api/checkpoints forwards the multipart body as it came to the trainer and records the stored model. */
@QuarkusTest
@WithTestResource(FakeTrainer.class)
class CheckpointUploadProxyTest {
    @Inject
    DataSource dataSource;

    long uploadedRows() throws Exception {
        try (Connection c = dataSource.getConnection();
             ResultSet r = c.createStatement().executeQuery(
                     "select count(*) from dashboard.checkpoint where source = 'uploaded'")) {
            r.next();
            return r.getLong(1);
        }
    }

    @Test
    void theMultipartIsForwardedAndTheModelListedAtOnce() throws Exception {
        byte[] file = new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' ', 1, 2, 3};
        Response response = given().multiPart("file", "model.safetensors", file, "application/octet-stream")
                .multiPart("spec", "{\"name\": \"mine\"}").post("/api/checkpoints");
        response.then().statusCode(202).contentType(ContentType.JSON)
                .body("source", equalTo("uploaded"))
                .body("name", equalTo("xor"))
                .body("metrics.test_acc", equalTo(1.0f))
                .body("tensors.size()", equalTo(2))
                .body("checkpointId", equalTo(FakeTrainer.lastId.toString()))
                .body("url", equalTo("/api/checkpoints/" + FakeTrainer.lastId));
        assertTrue(FakeTrainer.lastContentType.startsWith("multipart/form-data"), FakeTrainer.lastContentType);
        assertTrue(FakeTrainer.lastContentType.contains("boundary="), FakeTrainer.lastContentType);
        String forwarded = new String(FakeTrainer.lastBody, StandardCharsets.ISO_8859_1);
        assertTrue(forwarded.contains("name=\"file\"") && forwarded.contains("filename=\"model.safetensors\""));
        assertTrue(forwarded.contains("name=\"spec\"") && forwarded.contains("{\"name\": \"mine\"}"));
        assertTrue(forwarded.contains(new String(file, StandardCharsets.ISO_8859_1)), "file bytes forwarded intact");

        // listed before its CheckpointPublished event arrives
        given().get("/api/checkpoints/" + FakeTrainer.lastId).then().statusCode(200)
                .body("model.source", equalTo("uploaded"))
                .body("model.name", equalTo("xor"))
                .body("model.analysisStatus", equalTo("pending"))
                .body("spec.task.kind", equalTo("xor"));
    }

    @Test
    void theTrainersRefusalIsPassedOnAndNothingIsRecorded() throws Exception {
        long before = uploadedRows();
        given().multiPart("file", "bad.safetensors", "MALFORMED".getBytes(), "application/octet-stream")
                .post("/api/checkpoints").then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("file"))
                .body("error", containsString("not a valid safetensors file"));
        given().multiPart("file", "x.safetensors", "BOOM".getBytes(), "application/octet-stream")
                .post("/api/checkpoints").then().statusCode(502).body("error", containsString("disk full"));
        assertEquals(before, uploadedRows());
    }
}
