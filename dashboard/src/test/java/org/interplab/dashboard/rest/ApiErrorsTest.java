package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

/** Every refusal of the API is JSON {error, field}, including the framework's own 404/405/415 and bad parameters. */
@QuarkusTest
class ApiErrorsTest {

    @Test
    void aQueryParameterThatDoesNotConvertIs400NamingIt() {
        for (String path : new String[] {"/api/experiments", "/api/checkpoints", "/api/sweeps"}) {
            given().queryParam("limit", "abc").get(path).then().statusCode(400)
                    .contentType(ContentType.JSON)
                    .body("field", equalTo("limit"))
                    .body("error", containsString("limit"));
        }
    }

    @Test
    void aFormEncodedPostIs415Json() {
        given().contentType(ContentType.URLENC).formParam("preset", "xor").post("/api/experiments").then()
                .statusCode(415).contentType(ContentType.JSON)
                .body("error", containsString("application/json"))
                .body("field", equalTo("Content-Type"));
    }

    @Test
    void anUnknownApiPathIs404JsonNotThePage() {
        given().get("/api/no-such-thing/at/all").then().statusCode(404).contentType(ContentType.JSON)
                .body("error", containsString("/api/no-such-thing/at/all")).body("field", nullValue());
        given().contentType(ContentType.JSON).body("{}").post("/api/nothing-here").then().statusCode(404)
                .contentType(ContentType.JSON);
        // a known resource with an unknown sub-path is a JSON 404 too
        given().get("/api/experiments/00000000-0000-0000-0000-000000000000/no-such-view").then().statusCode(404)
                .contentType(ContentType.JSON).body("error", containsString("no-such-view"));
        // the web page is still served outside /api
        given().get("/").then().statusCode(200).contentType(containsString("text/html"));
    }

    @Test
    void aWrongMethodIsAJsonRefusal() {
        given().delete("/api/presets").then().statusCode(anyOf(equalTo(404), equalTo(405)))
                .contentType(ContentType.JSON).body("error", containsString("/api/presets"));
    }
}
