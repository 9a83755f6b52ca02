package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * POST /api/checkpoints/import/hf streams the multipart body to the trainer's POST /checkpoints/import/hf (here a
 * stand-in; the conversion itself is tested against the real trainer in trainer-service's HuggingFaceImportTest).
 */
@QuarkusTest
@WithTestResource(FakeTrainer.class)
class HuggingFaceImportProxyTest {
    @Test
    void theImportIsForwardedToTheTrainersImportAndListedAtOnce() {
        byte[] model = {'P', 'K', 3, 4, 0, 1, 2, 3};
        given().multiPart("model", "pytorch_model.bin", model, "application/octet-stream")
                .multiPart("config", "config.json", "{\"model_type\": \"gpt_neo\"}".getBytes(), "application/json")
                .post("/api/checkpoints/import/hf")
                .then().statusCode(202).contentType(ContentType.JSON)
                .body("checkpointId", equalTo(FakeTrainer.lastId.toString()))
                .body("url", equalTo("/api/checkpoints/" + FakeTrainer.lastId));
        assertEquals("/checkpoints/import/hf", FakeTrainer.lastPath);
        String forwarded = new String(FakeTrainer.lastBody, StandardCharsets.ISO_8859_1);
        assertTrue(forwarded.contains("name=\"model\"") && forwarded.contains("filename=\"pytorch_model.bin\""));
        assertTrue(forwarded.contains(new String(model, StandardCharsets.ISO_8859_1)), "model bytes forwarded intact");
        assertTrue(forwarded.contains("name=\"config\"") && forwarded.contains("gpt_neo"));
        given().get("/api/checkpoints/" + FakeTrainer.lastId).then().statusCode(200)
                .body("model.source", equalTo("uploaded"));
    }

    @Test
    void theTrainersRefusalIsPassedOnWithItsField() {
        given().multiPart("model", "pytorch_model.bin", "MALFORMED".getBytes(), "application/octet-stream")
                .post("/api/checkpoints/import/hf").then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("file")).body("error", containsString("not a valid"));
        assertEquals("/checkpoints/import/hf", FakeTrainer.lastPath);
    }
}
