package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The broker really stops in the middle of a run, for longer than the trainer's producer waits for an
 * acknowledgement (20 s): the run goes on, and when the broker is back every progress point and every checkpoint
 * reaches the dashboard and the run completes — none lost, none failed.
 */
class TrainingThroughBrokerOutageIT {
    static final Duration OUTAGE = Duration.ofSeconds(45);

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void aRunSurvivesABrokerOutageAndEveryEventArrives() throws Exception {
        int steps = 20_000, evalEvery = 200, checkpointEvery = 2_000;
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":11,"
                + "\"overrides\":{\"training\":{\"steps\":" + steps + ",\"evalEvery\":" + evalEvery
                + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + checkpointEvery + "}}}")
                .post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        UUID id = UUID.fromString(submitted.jsonPath().getString("id"));
        Lab.await("run " + id + " training", Duration.ofMinutes(3),
                () -> Lab.getJson("/api/experiments/" + id).path("step").asLong() > 0 ? true : null);

        BrokerOutageIT.kafka("stop");
        try {
            Thread.sleep(OUTAGE.toMillis());
            long trainerStep = Long.parseLong(single("select step from trainer.training_job where experiment_id = ?",
                    id));
            String trainerStatus = single("select status from trainer.training_job where experiment_id = ?", id);
            assertTrue(trainerStep > 0 && !"FAILED".equals(trainerStatus),
                    "training went on without the broker: " + trainerStatus + " at step " + trainerStep);
        } finally {
            BrokerOutageIT.kafka("start");
        }

        JsonNode run = Lab.await("run " + id + " completed", Duration.ofMinutes(5), () -> {
            JsonNode e = Lab.getJson("/api/experiments/" + id);
            assertFalse("FAILED".equals(e.path("status").asText()), "the run failed: " + e);
            return "COMPLETED".equals(e.path("status").asText()) ? e : null;
        });
        assertEquals(steps, run.path("step").asLong());
        // every evaluation (step 0, then every evalEvery) and every checkpoint the trainer stored reached the dashboard
        Lab.await("every metric point", Duration.ofMinutes(2), () ->
                Lab.getJson("/api/experiments/" + id + "/metrics").size() >= steps / evalEvery + 1 ? true : null);
        long trainerCheckpoints = Long.parseLong(single(
                "select count(*) from trainer.checkpoint where experiment_id = ?", id));
        Lab.await("every checkpoint", Duration.ofMinutes(2), () ->
                Lab.getJson("/api/experiments/" + id + "/checkpoints").size() == trainerCheckpoints ? true : null);
        assertEquals(steps / checkpointEvery + 1, trainerCheckpoints, "checkpoints at 0, every 2000, and the end");
    }

    private static String single(String sql, UUID id) {
        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab");
             PreparedStatement st = db.prepareStatement(sql)) {
            st.setObject(1, id);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(sql, e);
        }
    }
}
