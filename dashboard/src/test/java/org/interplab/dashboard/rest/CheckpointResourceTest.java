package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The proxied endpoints with the trainer and the analysis service down (the test profile points them at a closed
 * port). Their happy paths need the running services and are covered by e2e-tests.
 */
@QuarkusTest
class CheckpointResourceTest {

    @Test
    void anUnreachableUpstreamIsA503WithJson() {
        UUID id = UUID.randomUUID();
        given().when().get("/api/checkpoints/" + id + "/analysis").then()
                .statusCode(503).contentType(ContentType.JSON)
                .body("error", containsString("analysis-service is unreachable"));
        given().when().get("/api/checkpoints/" + id + "/analysis/EQKE.L0H0?format=csv").then()
                .statusCode(503).contentType(ContentType.JSON);
        given().when().get("/api/checkpoints/" + id + "/safetensors").then()
                .statusCode(503).contentType(ContentType.JSON)
                .body("error", containsString("trainer-service is unreachable"));
    }

    @Test
    void malformedRequestsAreRefusedBeforeAnyUpstreamCall() {
        given().when().get("/api/checkpoints/xyz/safetensors").then()
                .statusCode(400).body("field", equalTo("checkpointId"));
        given().when().get("/api/checkpoints/" + UUID.randomUUID() + "/analysis/EQKE?format=xlsx").then()
                .statusCode(400).body("field", equalTo("format"));
    }

    @Test
    void cancellingAnUnknownExperimentIsA404() {
        given().when().post("/api/experiments/" + UUID.randomUUID() + "/cancel").then()
                .statusCode(404).contentType(ContentType.JSON);
    }
}
