package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/** The web page and its scripts are served next to the API, with the ids browser tests rely on. */
@QuarkusTest
class WebPageTest {

    @Test
    void theDashboardPageIsServed() {
        given().when().get("/").then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("data-testid=\"experiments-table\""))
                .body(containsString("data-testid=\"submit-preset\""))
                .body(containsString("data-testid=\"metrics-chart\""))
                .body(containsString("class=\"cell-value\""));
        given().when().get("/app.js").then().statusCode(200)
                .body(containsString("/api/experiments"))
                .body(containsString("'data-testid': 'experiment-row'"))
                .body(containsString("`table-${entry.name}`"));
        given().when().get("/style.css").then().statusCode(200);
    }

    @Test
    void healthIsUp() {
        given().when().get("/q/health/ready").then().statusCode(200).body(containsString("\"UP\""));
    }
}
