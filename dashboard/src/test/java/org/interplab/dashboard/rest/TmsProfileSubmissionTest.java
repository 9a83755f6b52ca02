package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/**
 * Per-feature TMS importance and feature probability through POST /api/experiments: a bad list or form is a 400
 * naming the field (from the validator, or from reading the JSON), a good one is accepted.
 */
@QuarkusTest
class TmsProfileSubmissionTest {
    static final int SEED = 2_000_000 + new java.util.Random().nextInt(1_000_000_000);

    static String request(String taskOverrides) {
        return "{\"preset\":\"tms-intro\",\"seed\":" + SEED + ",\"overrides\":{\"task\":" + taskOverrides + "}}";
    }

    @Test
    void aWrongLengthListIsA400NamingTheField() {
        given().contentType(ContentType.JSON).body(request("{\"importanceDecay\":null,\"importance\":[1,0.5]}"))
                .when().post("/api/experiments").then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("task.importance"))
                .body("error", containsString("one entry per feature (task.nFeatures = 5), has 2"));
        given().contentType(ContentType.JSON).body(request("{\"featureProbabilities\":null,"
                        + "\"featureProbabilityPerFeature\":[1,0.5,\"NaN\",0.1,0.1]}"))
                .when().post("/api/experiments").then().statusCode(400)
                .body("field", equalTo("task.featureProbabilityPerFeature[2]"));
    }

    @Test
    void anUnknownFormIsA400NamingTheField() {
        given().contentType(ContentType.JSON).body(request("{\"importanceDecay\":null,\"importance\":"
                        + "{\"decay\":0.9,\"power\":2}}"))
                .when().post("/api/experiments").then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("task.importance"))
                .body("error", containsString("unknown key 'power'"));
    }

    @Test
    void aGoodProfileIsAccepted() {
        given().contentType(ContentType.JSON).body(request("{\"importanceDecay\":null,\"importance\":{\"decay\":0.7},"
                        + "\"featureProbabilities\":null,\"featureProbabilityPerFeature\":{\"from\":1,\"to\":0.01,"
                        + "\"spacing\":\"log\"}}"))
                .when().post("/api/experiments").then().statusCode(202).body("ids", hasSize(1));
    }
}
