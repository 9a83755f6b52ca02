package org.interplab.analysis.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * The analysis service's API is internal: with a service credential configured, service-kit's ServiceTokenFilter
 * answers 401 with the JSON error to a caller without it or with another one, lets the lab's services through, and
 * leaves health and metrics open.
 */
@QuarkusTest
@TestProfile(InternalApiTest.WithCredential.class)
class InternalApiTest {
    static final String TOKEN = "qt-service-credential";

    public static class WithCredential implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("lab.service-token", TOKEN);
        }
    }

    @Test
    void onlyCallersWithTheServiceCredentialGetIn() {
        String job = "/analysis-jobs/" + UUID.randomUUID();
        given().get(job).then().statusCode(401)
                .body("field", equalTo("X-Lab-Service-Token"))
                .body("error", equalTo("internal API: send the lab's service credential"));
        given().header("X-Lab-Service-Token", "guessed").get(job).then().statusCode(401);
        given().header("X-Lab-Service-Token", TOKEN + "x").get("/dead-letters").then().statusCode(401);
        given().header("X-Lab-Service-Token", TOKEN).get(job).then().statusCode(404);
        given().header("X-Lab-Service-Token", TOKEN).get("/analysis-jobs").then().statusCode(200);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
