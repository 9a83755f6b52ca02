package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Sweeps under control: cancelling one asks the trainer (a recording stand-in) to stop each of its runs; a sweep
 * preset's grid does not silently replace an override, and a base value the grid replaces is still validated.
 */
@QuarkusTest
@WithTestResource(FakeTrainer.class)
class SweepCancelAndGridTest {

    static Response submit(String body) {
        return given().contentType(ContentType.JSON).body(body).when().post("/api/experiments");
    }

    @Test
    void cancellingASweepAsksTheTrainerToStopEachOfItsRuns() {
        Response answer = submit("{\"preset\":\"xor\",\"grid\":{\"seed\":[11,12,13]}}");
        assertEquals(202, answer.statusCode(), answer.asString());
        String sweepId = answer.jsonPath().getString("sweepId");
        List<String> ids = answer.jsonPath().getList("ids");
        assertEquals(3, ids.size());
        Response cancel = given().post("/api/sweeps/" + sweepId + "/cancel");
        assertEquals(202, cancel.statusCode(), cancel.asString());
        assertEquals(sweepId, cancel.jsonPath().getString("sweepId"));
        assertEquals(ids.stream().sorted().toList(),
                cancel.jsonPath().getList("cancelRequested", String.class).stream().sorted().toList());
        List<String> here = cancel.jsonPath().getList("cancelledHere", String.class);
        for (String id : ids) {
            // a run still in the outbox is cancelled here; every other one is asked of the trainer
            assertTrue(here.contains(id) || FakeTrainer.cancelled.contains(UUID.fromString(id)),
                    "the trainer was asked to stop " + id);
            if (here.contains(id)) {
                given().get("/api/experiments/" + id).then().body("status", equalTo("CANCELLED"));
            }
        }
        assertEquals(java.util.Map.of(), cancel.jsonPath().getMap("failed"), "no run refused");
        // cancelling again asks nothing more of runs already CANCELLED here
        List<String> again = given().post("/api/sweeps/" + sweepId + "/cancel").jsonPath()
                .getList("cancelledHere", String.class);
        assertTrue(again.isEmpty(), again.toString());
        given().post("/api/sweeps/" + UUID.randomUUID() + "/cancel").then().statusCode(404)
                .contentType(ContentType.JSON).body("error", containsString("no sweep"));
        given().post("/api/sweeps/not-a-uuid/cancel").then().statusCode(400).body("field", equalTo("id"));
    }

    @Test
    void anOverrideOfAFieldThePresetsGridSweepsIsRefusedAtTheOverride() {
        // tms-dropout-sweep sweeps task.featureProbability: an override of it would be dropped in every run
        submit("{\"preset\":\"tms-dropout-sweep\",\"overrides\":{\"task\":{\"featureProbability\":2}}}").then()
                .statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("overrides.task.featureProbability"))
                .body("error", containsString("grid.task.featureProbability"));
        // an explicit grid over another field: the override is kept and validated like any value
        submit("{\"preset\":\"tms-dropout-sweep\",\"overrides\":{\"task\":{\"featureProbability\":2}},"
                + "\"grid\":{\"model.dropout\":[0.0,0.5]}}").then()
                .statusCode(400).body("errors.field", hasItem(containsString("task.featureProbability")));
    }
}
