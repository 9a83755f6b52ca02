package org.interplab.dashboard.listener;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.interplab.dashboard.SqlCounts;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;

/** The Kafka listeners, fed through the real broker the way the trainer and the analysis service feed them. */
@QuarkusTest
class ExperimentEventListenersTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    SqlCounts db;

    UUID newExperiment() {
        String id = given().contentType(ContentType.JSON).body("{\"preset\": \"xor\", \"seed\": 3}")
                .when().post("/api/experiments").then().statusCode(202).extract().path("id");
        return UUID.fromString(id);
    }

    static void progress(TrainingProgress p) {
        KafkaTestClient.send(KafkaTestClient.topic(Topics.TRAINING_PROGRESS), p.experimentId().toString(),
                Json.write(p));
    }

    String status(UUID id) {
        return given().when().get("/api/experiments/" + id).then().statusCode(200).extract().path("status");
    }

    long count(String sql, Object param) {
        return db.count(sql, param);
    }

    String updatedAt(UUID id) {
        return given().when().get("/api/experiments/" + id).then().extract().path("updatedAt");
    }

    @Test
    void aReplayedProgressEventChangesNothing() {
        UUID id = newExperiment();
        String json = Json.write(new TrainingProgress(id, RunStatus.RUNNING, 20, 600,
                Map.of("loss", 0.693, "accuracy", 0.5), null, "cpu", Instant.parse("2025-01-01T00:00:00Z")));
        String topic = KafkaTestClient.topic(Topics.TRAINING_PROGRESS);
        KafkaTestClient.send(topic, id.toString(), json);
        await().atMost(WAIT).until(() -> "RUNNING".equals(status(id)));
        String updatedAfterFirst = updatedAt(id);

        KafkaTestClient.send(topic, id.toString(), json);
        // a later event with the same key is applied after the replay (one partition per key, in order)
        progress(new TrainingProgress(id, RunStatus.RUNNING, 20, 600, null, "heartbeat", "cpu", Instant.now()));
        progress(new TrainingProgress(id, RunStatus.RUNNING, 40, 600, Map.of("loss", 0.25, "accuracy", 1.0), null,
                "cpu", Instant.now()));
        await().atMost(WAIT).until(() -> count("select count(*) from dashboard.metric_point where experiment_id = ?",
                id) == 2);

        assertEquals(1, count("select count(*) from dashboard.metric_point where experiment_id = ? and step = 20",
                id));
        given().when().get("/api/experiments/" + id + "/metrics").then()
                .statusCode(200)
                .body("step", equalTo(List.of(20, 40)))
                .body("[0].metrics.loss", equalTo(0.693f))
                .body("[1].metrics.accuracy", equalTo(1.0f));
        given().when().get("/api/experiments/" + id).then()
                .body("status", equalTo("RUNNING"))
                .body("step", equalTo(40))
                .body("totalSteps", equalTo(600))
                .body("backend", equalTo("cpu"))
                .body("lastMetrics.loss", equalTo(0.25f));
        assertEquals(false, updatedAfterFirst.equals(updatedAt(id)), "the step-40 event did change the row");
    }

    @Test
    void aTerminalStatusIsNeverMovedBack() {
        UUID id = newExperiment();
        progress(new TrainingProgress(id, RunStatus.RUNNING, 100, 100, Map.of("loss", 0.01), null, "cpu",
                Instant.now()));
        progress(new TrainingProgress(id, RunStatus.COMPLETED, 100, 100, Map.of("loss", 0.01, "accuracy", 1.0),
                null, "cpu", Instant.now()));
        await().atMost(WAIT).until(() -> "COMPLETED".equals(status(id)));
        String completedAt = updatedAt(id);
        // late redeliveries of earlier events
        progress(new TrainingProgress(id, RunStatus.RUNNING, 50, 100, Map.of("loss", 0.2), null, "cpu",
                Instant.now()));
        progress(new TrainingProgress(id, RunStatus.QUEUED, 0, 100, null, null, null, Instant.now()));
        progress(new TrainingProgress(id, RunStatus.FAILED, 100, 100, null, "too late", null, Instant.now()));
        await().atMost(WAIT).until(() -> count(
                "select count(*) from dashboard.metric_point where experiment_id = ? and step = 50", id) == 1);
        given().when().get("/api/experiments/" + id).then()
                .body("status", equalTo("COMPLETED"))
                .body("step", equalTo(100))
                .body("lastMetrics.accuracy", equalTo(1.0f))
                .body("error", org.hamcrest.Matchers.nullValue());
        assertEquals(completedAt, updatedAt(id));
    }

    @Test
    void aFailureKeepsTheTrainersMessage() {
        UUID id = newExperiment();
        progress(new TrainingProgress(id, RunStatus.FAILED, 3, 600, null, "NaN loss at step 3", "cpu",
                Instant.now()));
        await().atMost(WAIT).until(() -> "FAILED".equals(status(id)));
        given().when().get("/api/experiments/" + id).then().body("error", equalTo("NaN loss at step 3"));
    }

    @Test
    void eventsOfUnknownExperimentsAreIgnoredAndPoisonGoesToTheDeadLetterTopic() {
        UUID unknown = UUID.randomUUID();
        progress(new TrainingProgress(unknown, RunStatus.RUNNING, 5, 10, Map.of("loss", 1.0), null, "cpu",
                Instant.now()));
        String poison = "{\"experimentId\": \"" + unknown + "\", \"status\": \"DANCING\"}";
        KafkaTestClient.send(KafkaTestClient.topic(Topics.TRAINING_PROGRESS), unknown.toString(), poison);

        var dead = KafkaTestClient.awaitRecord(
                KafkaTestClient.topic(Topics.TRAINING_PROGRESS + Topics.DEAD_LETTER_SUFFIX),
                r -> poison.equals(r.value()), WAIT);
        assertEquals(unknown.toString(), dead.key());
        // the listener goes on: a known experiment's next event is applied
        UUID known = newExperiment();
        progress(new TrainingProgress(known, RunStatus.RUNNING, 1, 10, null, null, "cpu", Instant.now()));
        await().atMost(WAIT).until(() -> "RUNNING".equals(status(known)));
        assertEquals(0, count("select count(*) from dashboard.metric_point where experiment_id = ?", unknown));
        assertEquals(0, count("select count(*) from dashboard.experiment where id = ?", unknown));
    }

    @Test
    void checkpointsAndAnalysisAreRecordedOnceAndShown() {
        UUID id = newExperiment();
        UUID early = UUID.randomUUID();
        UUID last = UUID.randomUUID();
        String checkpointsTopic = KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED);
        String earlyJson = Json.write(new CheckpointPublished(early, id, 10, false, Map.of("loss", 0.6), null,
                Instant.parse("2025-01-01T00:00:00Z")));
        KafkaTestClient.send(checkpointsTopic, id.toString(), earlyJson);
        KafkaTestClient.send(checkpointsTopic, id.toString(), earlyJson);
        KafkaTestClient.send(checkpointsTopic, id.toString(), Json.write(new CheckpointPublished(last, id, 600, true,
                Map.of("loss", 0.001, "accuracy", 1.0), null, Instant.parse("2025-01-01T00:05:00Z"))));
        AnalysisCompleted analysis = new AnalysisCompleted(last, id, List.of("EQKE.L0H0", "EVOU.L0H1"),
                List.of("OV.L0H0"), Instant.parse("2025-01-01T00:06:00Z"));
        String analysisTopic = KafkaTestClient.topic(Topics.ANALYSIS_COMPLETED);
        KafkaTestClient.send(analysisTopic, id.toString(), Json.write(analysis));
        KafkaTestClient.send(analysisTopic, id.toString(), Json.write(analysis));

        await().atMost(WAIT).until(() -> count("select count(*) from dashboard.analysis where experiment_id = ?",
                id) == 1 && count("select count(*) from dashboard.checkpoint where experiment_id = ?", id) == 2);
        given().when().get("/api/experiments/" + id + "/checkpoints").then()
                .statusCode(200)
                .body("size()", equalTo(2))
                .body("[0].checkpointId", equalTo(early.toString()))
                .body("[0].finalCheckpoint", equalTo(false))
                .body("[1].step", equalTo(600))
                .body("[1].finalCheckpoint", equalTo(true))
                .body("[1].safetensorsUrl", equalTo("/api/checkpoints/" + last + "/safetensors"))
                .body("[1].analysis.tables", equalTo(List.of("EQKE.L0H0", "EVOU.L0H1")))
                .body("[1].analysis.failedTables", equalTo(List.of("OV.L0H0")));
        given().when().get("/api/experiments/" + id).then()
                .body("checkpoints.count", equalTo(2))
                .body("checkpoints.latestStep", equalTo(600))
                .body("checkpoints.finalCheckpointId", equalTo(last.toString()))
                .body("analysis[0].checkpointId", equalTo(last.toString()));
    }
}
