package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The web page and its scripts are served next to the API, with the ids browser tests rely on. */
@QuarkusTest
class WebPageTest {

    /** The SPA shell is served at / and its bundled script (built by the Maven build with npm) answers too. */
    @Test
    void theDashboardPageIsServed() {
        String page = given().when().get("/").then()
                .statusCode(200)
                .contentType(containsString("text/html"))
                .body(containsString("id=\"app\""))
                .body(containsString("data-testid=\"cell-value\""))
                .body(containsString("data-testid=\"nav-new\""))
                .extract().asString();
        Matcher script = Pattern.compile("<script type=\"module\"[^>]*src=\"(/assets/[^\"]+\\.js)\"").matcher(page);
        assertTrue(script.find(), "the page loads its bundle: " + page);
        given().when().get(script.group(1)).then().statusCode(200).body(containsString("/api/experiments"));
    }

    @Test
    void healthIsUp() {
        given().when().get("/q/health/ready").then().statusCode(200).body(containsString("\"UP\""));
    }
}
