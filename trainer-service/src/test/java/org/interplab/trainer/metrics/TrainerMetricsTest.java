package org.interplab.trainer.metrics;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.trainer.service.JobStore;
import org.junit.jupiter.api.Test;

/**
 * Prometheus at /q/metrics: the trainer's own meters exist, and training a short run moves the step timer by its
 * steps and the token counter by steps × batch × n_ctx; Kafka client metrics (consumer lag) and HTTP latency are
 * there too. /workers answers what the gauges say.
 */
@QuarkusTest
class TrainerMetricsTest {
    @Inject
    JobStore jobs;

    static String scrape() {
        return given().get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The sum of a series' samples over all its label sets (0 when absent). */
    static double sum(String metrics, String series) {
        return sum(metrics, series, "");
    }

    /** As above, over the label sets that contain {@code label} (e.g. task="xor"). */
    static double sum(String metrics, String series, String label) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + "(\\{[^}]*\\})? ([0-9.eE+-]+)$").matcher(metrics);
        double total = 0;
        while (m.find()) {
            if (label.isEmpty() || (m.group(1) != null && m.group(1).contains(label))) {
                total += Double.parseDouble(m.group(2));
            }
        }
        return total;
    }

    @Test
    void theTrainersMetersAreScrapedAndTrainingMovesThem() throws Exception {
        String before = scrape();
        for (String meter : new String[] {"lab_trainer_workers ", "lab_trainer_workers_busy ", "lab_trainer_queue_depth "}) {
            assertTrue(before.contains(meter), meter + " in /q/metrics");
        }
        assertEquals(1.0, sum(before, "lab_trainer_workers"), "one worker in %test");
        given().get("/workers").then().statusCode(200).body("workers", org.hamcrest.Matchers.equalTo(1));

        // other xor jobs of the shared test topic may train meanwhile: every xor step counts the same tokens
        String xor = "task=\"xor\"";
        double stepsBefore = sum(before, "lab_trainer_step_seconds_count", xor);
        double tokensBefore = sum(before, "lab_trainer_tokens_total", xor);
        ExperimentSpec spec = Presets.expand("xor", 3L, Json.MAPPER.readTree("{\"training\":{\"steps\":40}}"));
        UUID id = UUID.randomUUID();
        jobs.enqueue(id, spec);
        long deadline = System.currentTimeMillis() + 120_000;
        while (System.currentTimeMillis() < deadline
                && !jobs.find(id).map(j -> "COMPLETED".equals(j.status)).orElse(false)) {
            Thread.sleep(200);
        }
        String after = scrape();
        assertEquals("COMPLETED", jobs.find(id).orElseThrow().status);
        // the first step has no predecessor to time from: 40 steps give at least 39 intervals
        double steps = sum(after, "lab_trainer_step_seconds_count", xor) - stepsBefore;
        assertTrue(steps >= 39, "step timer moved by " + steps);
        double perStep = (double) spec.training().batchSize() * spec.model().nCtx();
        assertEquals(steps * perStep, sum(after, "lab_trainer_tokens_total", xor) - tokensBefore, 1e-6,
                "tokens = steps × batch × n_ctx");
        assertTrue(after.contains("http_server_requests_seconds_count{"), "HTTP latency timer");
        assertTrue(after.contains("uri=\"/workers\""), "the /workers call was timed");
        assertTrue(after.contains("kafka_consumer_") || after.contains("kafka_producer_"),
                "Kafka client metrics (consumer lag: kafka_consumer_fetch_manager_records_lag_max)");
    }
}
