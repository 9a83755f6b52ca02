package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;

/** Uploads and reference constructions are first-class models: recorded from their events, listed, analysed. */
@QuarkusTest
class ModelListTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    static void publish(CheckpointPublished c) {
        KafkaTestClient.send(KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED), c.checkpointId().toString(),
                Json.write(c));
    }

    static int status(UUID id) {
        return given().get("/api/checkpoints/" + id).then().extract().statusCode();
    }

    @Test
    void anUploadWithoutExperimentIsRecordedListedAndItsAnalysisFollowed() {
        UUID id = UUID.randomUUID();
        ExperimentSpec spec = Presets.expand("xor", 4L, null);
        publish(new CheckpointPublished(id, null, 0, true, Map.of("test_acc", 0.75), spec, Instant.now()));
        await().atMost(WAIT).until(() -> status(id) == 200);
        given().get("/api/checkpoints/" + id).then().statusCode(200)
                .body("model.source", equalTo("uploaded"))
                .body("model.name", equalTo("xor"))
                .body("model.task", equalTo("xor"))
                .body("model.experimentId", nullValue())
                .body("model.metrics.test_acc", equalTo(0.75f))
                .body("model.analysisStatus", equalTo("pending"))
                .body("spec.model.nHeads", equalTo(2))
                .body("analysis", nullValue());
        given().queryParam("source", "uploaded").get("/api/checkpoints").then().statusCode(200)
                .body("find { it.checkpointId == '" + id + "' }.safetensorsUrl",
                        equalTo("/api/checkpoints/" + id + "/safetensors"));
        given().queryParam("source", "trained").get("/api/checkpoints").then().statusCode(200)
                .body("findAll { it.checkpointId == '" + id + "' }.size()", equalTo(0));

        KafkaTestClient.send(KafkaTestClient.topic(Topics.ANALYSIS_COMPLETED), id.toString(), Json.write(
                new AnalysisCompleted(id, null, List.of("EQKE.L0H0", "EVOU.L0H0"), List.of("EU"), Instant.now())));
        await().atMost(WAIT).until(() -> "partial".equals(given().get("/api/checkpoints/" + id).then().extract()
                .path("model.analysisStatus")));
        given().get("/api/checkpoints/" + id).then()
                .body("model.tablesOk", equalTo(2)).body("model.tablesFailed", equalTo(1))
                .body("model.failedTables", equalTo(List.of("EU")))
                .body("analysis.tables", equalTo(List.of("EQKE.L0H0", "EVOU.L0H0")));
    }

    @Test
    void referenceConstructionsAreListedWithTheirAccuracies() {
        UUID id = ReferenceCheckpoints.id(ReferenceCheckpoints.XOR);
        ExperimentSpec spec = new ExperimentSpec("xor-reference", Presets.expand("xor", 0L, null).task(),
                Presets.expand("xor", 0L, null).model(), null, 0L, List.of("reference", "hand-built"));
        publish(new CheckpointPublished(id, null, 0, true, Map.of("test_acc", 1.0, "test_loss", 0.313), spec,
                Instant.now()));
        await().atMost(WAIT).until(() -> status(id) == 200);
        given().queryParam("source", "reference").get("/api/checkpoints").then().statusCode(200)
                .body("find { it.checkpointId == '" + id + "' }.source", equalTo("reference"))
                .body("find { it.checkpointId == '" + id + "' }.name", equalTo("xor-reference"))
                .body("find { it.checkpointId == '" + id + "' }.metrics.test_acc", equalTo(1.0f));
    }

    @Test
    void badQueriesAreRefused() {
        given().queryParam("source", "stolen").get("/api/checkpoints").then().statusCode(400)
                .body("field", equalTo("source"));
        given().queryParam("limit", 0).get("/api/checkpoints").then().statusCode(400).body("field", equalTo("limit"));
        given().get("/api/checkpoints/" + UUID.randomUUID()).then().statusCode(404);
        given().get("/api/checkpoints/nope").then().statusCode(400).body("field", equalTo("checkpointId"));
    }
}
