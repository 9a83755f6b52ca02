package org.interplab.dashboard.listener;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.EventSignature;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.contracts.spec.Presets;
import org.interplab.testkit.KafkaTestClient;
import org.interplab.dashboard.SqlCounts;
import org.junit.jupiter.api.Test;

/**
 * Events are checked against their sender, through the real broker: a checkpoint or progress event the trainer did
 * not sign, or an analysis.completed the analysis service did not sign, records nothing (no phantom model, no run
 * marked COMPLETED, no checkpoint marked analysed) and lands on the dead-letter topic with the reason; the
 * dashboard's own requests carry its signature.
 */
@QuarkusTest
class ForgedEventsTest {
    static final Duration WAIT = Duration.ofSeconds(30);

    @ConfigProperty(name = "lab.events.key")
    String eventKey;
    @Inject
    SqlCounts db;

    @Test
    void aForgedCheckpointCreatesNoPhantomModel() {
        String topic = KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED);
        String partition = UUID.randomUUID().toString();
        UUID unsigned = UUID.randomUUID();
        UUID wrongKey = UUID.randomUUID();
        UUID genuine = UUID.randomUUID();
        KafkaTestClient.send(topic, partition, upload(unsigned), null);
        KafkaTestClient.send(topic, partition, upload(wrongKey),
                EventSignature.sign("not-the-lab-key", Topics.CHECKPOINTS_PUBLISHED, upload(wrongKey)));
        // a genuine trainer signature, but over a progress event: the kind is part of what is signed
        KafkaTestClient.send(topic, partition, upload(wrongKey),
                EventSignature.sign(eventKey, Topics.TRAINING_PROGRESS, upload(wrongKey)));
        KafkaTestClient.send(topic, partition, upload(genuine)); // signed as the trainer signs

        // same partition, so once the genuine one is recorded the three forgeries have been consumed
        await().atMost(WAIT).until(() -> checkpointStatus(genuine) == 200);
        assertEquals(404, checkpointStatus(unsigned));
        assertEquals(404, checkpointStatus(wrongKey));
        assertEquals(0, db.count("select count(*) from dashboard.checkpoint where checkpoint_id = ?", unsigned));
        assertEquals(0, db.count("select count(*) from dashboard.checkpoint where checkpoint_id = ?", wrongKey));
        // the dashboard's own dead-letter topic, not the analysis service's checkpoints.published.dlq
        String deadLetters = KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED_DASHBOARD_DLQ);
        ConsumerRecord<String, String> dead = KafkaTestClient.awaitRecord(
                deadLetters, r -> r.value().contains(unsigned.toString()), WAIT);
        assertTrue(header(dead, "dead-letter-reason").contains("no lab-signature header"),
                header(dead, "dead-letter-reason"));
        KafkaTestClient.awaitRecord(deadLetters,
                r -> r.value().contains(wrongKey.toString())
                        && header(r, "dead-letter-reason").contains("lab-signature does not match"), WAIT);
    }

    @Test
    void aForgedAnalysisMarksNoCheckpointAnalysed() {
        UUID model = UUID.randomUUID();
        KafkaTestClient.send(KafkaTestClient.topic(Topics.CHECKPOINTS_PUBLISHED), model.toString(), upload(model));
        await().atMost(WAIT).until(() -> checkpointStatus(model) == 200);
        String topic = KafkaTestClient.topic(Topics.ANALYSIS_COMPLETED);
        String forgedTables = analysis(model, "FORGED.L0H0");
        KafkaTestClient.send(topic, model.toString(), forgedTables, null);
        KafkaTestClient.send(topic, model.toString(), forgedTables,
                EventSignature.sign("not-the-lab-key", Topics.ANALYSIS_COMPLETED, forgedTables));
        // the trainer's kind of signature (a checkpoint event's) over the same bytes does not pass either
        KafkaTestClient.send(topic, model.toString(), forgedTables,
                EventSignature.sign(eventKey, Topics.CHECKPOINTS_PUBLISHED, forgedTables));
        String genuine = analysis(model, "EVOU.L0H0");
        KafkaTestClient.send(topic, model.toString(), genuine); // signed as the analysis service signs

        // same partition: once the genuine one is applied, the forgeries were consumed before it
        await().atMost(WAIT).until(() -> "completed".equals(given().get("/api/checkpoints/" + model).then()
                .extract().path("model.analysisStatus")));
        given().get("/api/checkpoints/" + model).then().statusCode(200)
                .body("analysis.tables", org.hamcrest.Matchers.equalTo(List.of("EVOU.L0H0")));
        assertEquals(0, db.count("select count(*) from dashboard.analysis where checkpoint_id = ? "
                + "and tables like '%FORGED%'", model));
        ConsumerRecord<String, String> dead = KafkaTestClient.awaitRecord(topic + Topics.DEAD_LETTER_SUFFIX,
                r -> r.value().contains(model.toString()), WAIT);
        assertTrue(header(dead, "dead-letter-reason").contains("analysis.completed event refused"),
                header(dead, "dead-letter-reason"));
    }

    @Test
    void aForgedProgressEventDoesNotFinishARun() {
        String id = given().contentType(ContentType.JSON).body("{\"preset\": \"xor\", \"seed\": 11}")
                .when().post("/api/experiments").then().statusCode(202).extract().path("id");
        UUID experiment = UUID.fromString(id);
        String topic = KafkaTestClient.topic(Topics.TRAINING_PROGRESS);
        KafkaTestClient.send(topic, id, Json.write(new TrainingProgress(experiment, RunStatus.COMPLETED, 600, 600,
                Map.of("loss", 0.0), null, "cpu", Instant.now())), null);
        KafkaTestClient.send(topic, id, Json.write(new TrainingProgress(experiment, RunStatus.RUNNING, 5, 600,
                Map.of("loss", 0.69), null, "cpu", Instant.now())));
        await().atMost(WAIT).until(() -> Integer.valueOf(5).equals(
                given().get("/api/experiments/" + id).then().extract().path("step")));
        given().get("/api/experiments/" + id).then().statusCode(200)
                .body("status", org.hamcrest.Matchers.equalTo("RUNNING"));
        assertEquals(0, db.count(
                "select count(*) from dashboard.metric_point where experiment_id = ? and step = 600", experiment));
    }

    @Test
    void theDashboardsRequestsCarryItsSignature() {
        String id = given().contentType(ContentType.JSON).body("{\"preset\": \"xor\", \"seed\": 12}")
                .when().post("/api/experiments").then().statusCode(202).extract().path("id");
        ConsumerRecord<String, String> request = KafkaTestClient.awaitRecord(
                KafkaTestClient.topic(Topics.EXPERIMENTS_REQUESTED), r -> id.equals(r.key()), WAIT);
        String signature = header(request, EventSignature.HEADER);
        assertTrue(EventSignature.verify(eventKey, Topics.EXPERIMENTS_REQUESTED, request.value(), signature),
                "signature " + signature);
    }

    private static String upload(UUID id) {
        return Json.write(new CheckpointPublished(id, null, 0, true, Map.of("test_acc", 1.0),
                Presets.expand("xor", 1L, null), Instant.parse("2026-01-01T00:00:00Z")));
    }

    private static String analysis(UUID checkpointId, String table) {
        return Json.write(new AnalysisCompleted(checkpointId, null, List.of(table), List.of(),
                Instant.parse("2026-01-01T00:00:00Z")));
    }

    private static int checkpointStatus(UUID id) {
        return given().get("/api/checkpoints/" + id).then().extract().statusCode();
    }

    private static String header(ConsumerRecord<String, String> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? "" : new String(h.value(), StandardCharsets.UTF_8);
    }
}
