package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.interplab.dashboard.SqlCounts;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.ExperimentRequested;
import org.interplab.contracts.events.Topics;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;

/** The public experiment API against the project's PostgreSQL and Kafka (infra/postgres.sh, infra/kafka.sh). */
@QuarkusTest
class ExperimentResourceTest {

    @Inject
    SqlCounts db;

    long experimentRows() {
        return count("select count(*) from dashboard.experiment", null);
    }

    long count(String sql, Object param) {
        return db.count(sql, param);
    }

    static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/experiments");
    }

    @Test
    void unknownPresetIsRefusedAndNothingIsStored() {
        long before = experimentRows();
        submit("{\"preset\": \"no-such-preset\", \"seed\": 1}").then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("field", equalTo("preset"))
                .body("error", containsString("no-such-preset"))
                .body("error", containsString("xor"));
        assertEquals(before, experimentRows());
    }

    @Test
    void malformedJsonIsA400WithTheParseProblem() {
        long before = experimentRows();
        submit("{\"preset\": \"xor\", \"seed\": ").then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("field", nullValue())
                .body("error", startsWith("malformed JSON"))
                .body("error", containsString("line 1"));
        assertEquals(before, experimentRows());
    }

    @Test
    void unknownPropertiesAreNamed() {
        submit("{\"preset\": \"xor\", \"sede\": 1}").then()
                .statusCode(400).body("field", equalTo("sede")).body("error", containsString("'sede'"));
        submit("{\"name\": \"x\", \"task\": {\"kind\": \"xor\", \"nDigitz\": 3}, \"seed\": 1}").then()
                .statusCode(400).body("field", equalTo("task.nDigitz")).body("error", containsString("'nDigitz'"));
        submit("{\"preset\": \"xor\", \"overrides\": {\"model\": {\"nHedas\": 2}}}").then()
                .statusCode(400).body("field", equalTo("model.nHedas"));
    }

    @Test
    void invalidSpecNamesTheFieldAndListsEveryError() {
        long before = experimentRows();
        submit("{\"preset\": \"xor\", \"seed\": 1, \"overrides\": {\"model\": {\"nHeads\": 0, \"dModel\": -1}}}")
                .then()
                .statusCode(400)
                .body("field", equalTo("model.nHeads"))
                .body("error", containsString("must be in [1, "))
                .body("errors.field", hasItem("model.nHeads"))
                .body("errors.field", hasItem("model.dModel"));
        assertEquals(before, experimentRows());
    }

    @Test
    void aFullSpecThatFailsValidationIsRefused() {
        submit("{\"name\": \"x\", \"task\": {\"kind\": \"parity\"}, \"model\": {\"kind\": \"transformer\"}, "
                + "\"training\": {\"optimizer\": \"adamw\", \"lr\": 0.01, \"batchSize\": 4, \"steps\": 10, "
                + "\"evalEvery\": 5}, \"seed\": 1}").then()
                .statusCode(400).body("field", equalTo("task.kind")).body("error", containsString("parity"));
    }

    @Test
    void aPresetIsStoredQueuedAndRequestedOnKafka() {
        long before = experimentRows();
        Response response = submit("{\"preset\": \"xor\", \"seed\": 7, \"overrides\": {\"training\": {\"steps\": 50}}}");
        response.then().statusCode(202).body("ids.size()", equalTo(1));
        UUID id = UUID.fromString(response.path("id"));
        assertEquals(id.toString(), response.path("ids[0]"));
        assertTrue(response.header("Location").endsWith("/api/experiments/" + id), response.header("Location"));
        assertEquals(before + 1, experimentRows());
        assertEquals(1, count("select count(*) from dashboard.experiment where id = ? and status = 'QUEUED' "
                + "and seed = 7 and preset = 'xor' and task = 'xor'", id));

        ConsumerRecord<String, String> record = KafkaTestClient.awaitRecord(
                KafkaTestClient.topic(Topics.EXPERIMENTS_REQUESTED), r -> id.toString().equals(r.key()),
                Duration.ofSeconds(30));
        ExperimentRequested requested = Json.read(record.value(), ExperimentRequested.class);
        assertEquals(id, requested.experimentId());
        assertEquals(7L, requested.spec().seed());
        assertEquals(50, requested.spec().training().steps());
        assertEquals(2, requested.spec().model().nHeads()); // the rest comes from the preset

        given().when().get("/api/experiments/" + id).then()
                .statusCode(200)
                .body("status", equalTo("QUEUED"))
                .body("preset", equalTo("xor"))
                .body("spec.training.steps", equalTo(50))
                .body("spec.seed", equalTo(7))
                .body("checkpoints.count", equalTo(0));
        given().when().get("/api/experiments?status=queued&task=xor").then()
                .statusCode(200).body("id", hasItem(id.toString()));
        given().when().get("/api/experiments?status=COMPLETED").then()
                .statusCode(200).body("findAll { it.id == '" + id + "' }.size()", equalTo(0));
    }

    @Test
    void experimentsAreListedNewestFirst() {
        UUID older = UUID.fromString(submit("{\"preset\": \"xor\", \"seed\": 11}").then().statusCode(202)
                .extract().path("id"));
        UUID newer = UUID.fromString(submit("{\"preset\": \"xor\", \"seed\": 12}").then().statusCode(202)
                .extract().path("id"));
        List<String> ids = given().when().get("/api/experiments?q=XOR").then().statusCode(200)
                .extract().path("id");
        assertTrue(ids.indexOf(newer.toString()) >= 0 && ids.indexOf(newer.toString()) < ids.indexOf(older.toString()),
                () -> "newest first: " + ids);
    }

    @Test
    void unknownAndMalformedIds() {
        given().when().get("/api/experiments/" + UUID.randomUUID()).then()
                .statusCode(404).contentType(ContentType.JSON).body("error", startsWith("no experiment"));
        given().when().get("/api/experiments/not-a-uuid").then()
                .statusCode(400).contentType(ContentType.JSON).body("field", equalTo("id"));
        given().when().get("/api/experiments/not-a-uuid/metrics").then().statusCode(400);
        given().when().get("/api/experiments?status=SLEEPING").then().statusCode(400).body("field", equalTo("status"));
    }

    @Test
    void presetsExpandToFullSpecs() {
        given().when().get("/api/presets").then()
                .statusCode(200)
                .body("name", hasItem("xor"))
                .body("find { it.name == 'xor' }.spec.model.nHeads", equalTo(2))
                .body("find { it.name == 'xor' }.spec.task.kind", equalTo("xor"));
    }

    @Test
    void openApiDescribesThePublicApi() {
        given().accept("application/json").when().get("/q/openapi").then()
                .statusCode(200).body("paths", org.hamcrest.Matchers.hasKey("/api/experiments"));
    }
}
