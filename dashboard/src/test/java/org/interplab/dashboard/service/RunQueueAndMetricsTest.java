package org.interplab.dashboard.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The runs list pages and sorts on the server (X-Total-Count, ?offset, ?sort), queued runs carry their queue
 * position, and /q/metrics has the dashboard's meters: a submission moves lab_experiments{status="QUEUED"}.
 */
@QuarkusTest
class RunQueueAndMetricsTest {

    static double queued() {
        String metrics = given().get("/q/metrics").then().statusCode(200).extract().asString();
        Matcher m = Pattern.compile("(?m)^lab_experiments\\{status=\"QUEUED\"} ([0-9.eE+-]+)$").matcher(metrics);
        assertTrue(m.find(), "lab_experiments{status=QUEUED} in /q/metrics");
        assertTrue(metrics.contains("http_server_requests_seconds_count{"), "HTTP latency timer");
        return Double.parseDouble(m.group(1));
    }

    @Test
    void pagesSortsAndPlacesQueuedRunsAndCountsThemInMetrics() {
        String name = "queue-probe-" + Long.toString(System.nanoTime(), 36);
        double before = queued();
        Response sweep = given().contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"overrides\":{\"name\":\"" + name + "\"},\"grid\":{\"seed\":[301,302,303,304,305]}}")
                .post("/api/experiments");
        assertEquals(202, sweep.statusCode(), sweep.asString());
        List<String> ids = sweep.jsonPath().getList("ids");
        // no trainer consumes in this test, so the five wait in the queue (the gauge may count older test runs too)
        assertTrue(queued() >= before + 5, "the gauge counts the five queued runs");

        Response first = given().get("/api/experiments?q=" + name + "&limit=2&sort=seed");
        first.then().statusCode(200).header("X-Total-Count", "5");
        assertEquals(List.of(301, 302), first.jsonPath().getList("seed", Integer.class));
        Response second = given().get("/api/experiments?q=" + name + "&limit=2&offset=2&sort=seed");
        assertEquals(List.of(303, 304), second.jsonPath().getList("seed", Integer.class));
        assertEquals(List.of(305, 304), given().get("/api/experiments?q=" + name + "&limit=2&sort=-seed")
                .jsonPath().getList("seed", Integer.class));
        // claim order is submission order: each later run of the sweep stands one place further back
        List<Integer> positions = given().get("/api/experiments?q=" + name + "&sort=createdAt").jsonPath()
                .getList("queue.position", Integer.class);
        assertEquals(5, positions.size());
        for (int i = 1; i < positions.size(); i++) {
            assertEquals(positions.get(i - 1) + 1, positions.get(i), "positions " + positions);
        }
        given().get("/api/experiments/" + ids.get(4)).then().body("queue.position", equalTo(positions.get(4)))
                .body("durationSeconds", equalTo(null));

        given().get("/api/experiments?sort=loss").then().statusCode(400).contentType(ContentType.JSON)
                .body("field", equalTo("sort"));
        given().get("/api/experiments?offset=-1").then().statusCode(400).body("field", equalTo("offset"));
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths.'/api/experiments'.get.parameters.name", hasItem("offset"));
    }
}
