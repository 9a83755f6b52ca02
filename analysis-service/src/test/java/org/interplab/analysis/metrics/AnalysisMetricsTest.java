package org.interplab.analysis.metrics;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

/**
 * Prometheus at /q/metrics on the analysis service: its own meters (queue depth, busy workers), HTTP latency that
 * moves with a request, Kafka client metrics; and its OpenAPI document.
 */
@QuarkusTest
class AnalysisMetricsTest {

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    @Test
    void theAnalysisMetersAreScraped() {
        given().get("/q/health/ready");
        given().get("/analysis-jobs?status=FAILED");
        String metrics = scrape();
        for (String meter : new String[] {"lab_analysis_queue_depth ", "lab_analysis_workers_busy "}) {
            assertTrue(metrics.contains(meter), meter + " in /q/metrics");
        }
        assertTrue(metrics.contains("http_server_requests_seconds_count{"), "HTTP latency timer");
        assertTrue(metrics.contains("uri=\"/analysis-jobs\""), "the /analysis-jobs call was timed");
        assertTrue(metrics.contains("kafka_consumer_") || metrics.contains("kafka_producer_"), "Kafka client metrics");
        given().get("/q/openapi?format=json").then().statusCode(200)
                .body("paths", org.hamcrest.Matchers.hasKey("/analysis-jobs"));
    }
}
