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
 * The test: the broker really stops for 3 minutes in the middle of a run (far longer than the trainer's
 * producer waits for an acknowledgement, 20 s, and than the 120 s after which a run used to fail): the run goes on,
 * and when the broker is back every progress point and every checkpoint reaches the dashboard, none doubled, and the
 * run completes in one attempt.
 *
 * <p>The run has a fixed size: {@link #STEPS} XOR steps, about 4 minutes on the 2-core machine this runs on (≈ 250
 * steps/s), so the broker stops once it trains and normally comes back while it still trains. Whether it did is
 * printed, not asserted: on a faster machine the run may end during the outage, and then every event still waits in
 * the trainer's outbox until the broker is back. (Sizing the run by a calibration run proved fragile: the warmed-up
 * real run trained ≥ 1.3× faster than the calibration, and evaluating as often as the calibration flooded the
 * dashboard with thousands of progress events.)
 */
class TrainingThroughBrokerOutageIT {
    static final Duration OUTAGE = Duration.ofSeconds(180);
    static final int STEPS = 60_000;
    /** Evaluations (progress points after step 0) and checkpoints (after step 0) of the run. */
    static final int POINTS = 50;
    static final int CHECKPOINTS = 10;

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void aRunSurvivesAThreeMinuteBrokerOutageAndEveryEventArrives() throws Exception {
        int steps = STEPS;
        int evalEvery = steps / POINTS;
        int checkpointEvery = steps / CHECKPOINTS;

        UUID id = submit("broker-outage-run", steps, evalEvery, checkpointEvery);
        Lab.await("run " + id + " training", Duration.ofMinutes(3),
                () -> Lab.getJson("/api/experiments/" + id).path("step").asLong() > 0 ? true : null);

        long stepAtStop = trainerStep(id);
        BrokerOutageIT.kafka("stop");
        long stopped = System.nanoTime();
        long stepAtStart;
        long pendingEvents;
        long down;
        boolean stillTraining;
        try {
            Thread.sleep(OUTAGE.toMillis());
            stepAtStart = trainerStep(id);
            String trainerStatus = single("select status from trainer.training_job where experiment_id = ?", id);
            pendingEvents = Long.parseLong(single("select count(*) from trainer.event_outbox where msg_key = ?",
                    id.toString()));
            assertFalse("FAILED".equals(trainerStatus), "training went on without the broker: " + trainerStatus
                    + " at step " + stepAtStart);
            stillTraining = "RUNNING".equals(trainerStatus);
            assertTrue(stepAtStart > stepAtStop, "steps " + stepAtStop + " → " + stepAtStart + " during the outage");
            assertTrue(pendingEvents > 0, "the trainer kept its events while the broker was down");
        } finally {
            down = Duration.ofNanos(System.nanoTime() - stopped).toSeconds();
            BrokerOutageIT.kafka("start");
        }

        JsonNode run = completed(id, Duration.ofMinutes(5));
        assertEquals(steps, run.path("step").asLong());
        // every evaluation (step 0, then every evalEvery) and every checkpoint the trainer stored reached the dashboard
        int expectedPoints = POINTS + 1;
        int points = Lab.await("every progress point", Duration.ofMinutes(2), () -> {
            int n = Lab.getJson("/api/experiments/" + id + "/metrics").size();
            return n >= expectedPoints ? n : null;
        });
        long trainerCheckpoints = Long.parseLong(single(
                "select count(*) from trainer.checkpoint where experiment_id = ?", id));
        assertEquals(CHECKPOINTS + 1, trainerCheckpoints, "checkpoints at 0, every " + checkpointEvery + ", the end");
        int checkpoints = Lab.await("every checkpoint", Duration.ofMinutes(2), () -> {
            int n = Lab.getJson("/api/experiments/" + id + "/checkpoints").size();
            return n >= trainerCheckpoints ? n : null;
        });
        long distinctCheckpointSteps = Long.parseLong(single(
                "select count(distinct step) from dashboard.checkpoint where experiment_id = ?", id));
        long jobs = Long.parseLong(single("select count(*) from trainer.training_job where experiment_id = ?", id));
        long attempts = Long.parseLong(single("select attempts from trainer.training_job where experiment_id = ?",
                id));
        System.out.printf("FIGURE TrainingThroughBrokerOutageIT: broker down %d s in the middle of a %d-step run "
                        + "(steps %d -> %d during the outage, %s when the broker came back; %d events held in the "
                        + "trainer's outbox) -> COMPLETED, %d/%d progress points and %d/%d checkpoints arrived, "
                        + "%d duplicated, %d training attempt(s)%n",
                down, steps, stepAtStop, stepAtStart, stillTraining ? "still training" : "finished", pendingEvents,
                points, expectedPoints, checkpoints, trainerCheckpoints,
                (points - expectedPoints) + (checkpoints - distinctCheckpointSteps), attempts);
        assertEquals(expectedPoints, points, "one progress point per evaluation, none doubled");
        assertEquals(trainerCheckpoints, checkpoints, "each checkpoint recorded once");
        assertEquals(checkpoints, distinctCheckpointSteps, "no step checkpointed twice");
        assertEquals(1, jobs, "one training job");
        assertEquals(1, attempts, "trained in one attempt: the outage failed nothing");
    }

    private static UUID submit(String name, int steps, int evalEvery, int checkpointEvery) {
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":11,"
                + "\"overrides\":{\"name\":\"" + name + "\",\"training\":{\"steps\":" + steps + ",\"evalEvery\":"
                + evalEvery + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + checkpointEvery + "}}}")
                .post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        return UUID.fromString(submitted.jsonPath().getString("id"));
    }

    private static JsonNode completed(UUID id, Duration timeout) throws InterruptedException {
        return Lab.await("run " + id + " completed", timeout, () -> {
            JsonNode e = Lab.getJson("/api/experiments/" + id);
            assertFalse("FAILED".equals(e.path("status").asText()), "the run failed: " + e);
            return "COMPLETED".equals(e.path("status").asText()) ? e : null;
        });
    }

    private static long trainerStep(UUID id) {
        return Long.parseLong(single("select step from trainer.training_job where experiment_id = ?", id));
    }

    private static String single(String sql, Object param) {
        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab");
             PreparedStatement st = db.prepareStatement(sql)) {
            st.setObject(1, param);
            try (ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        } catch (java.sql.SQLException e) {
            throw new AssertionError(sql, e);
        }
    }
}
