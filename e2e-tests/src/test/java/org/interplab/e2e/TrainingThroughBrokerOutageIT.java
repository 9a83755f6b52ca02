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
 * run completes.
 *
 * <p>The run is sized by the step rate measured on the same stack just before (a run sampled at two evaluations at
 * least {@link #CALIBRATION} apart after a {@link #WARM_UP}, then cancelled), so that it lasts at least the outage plus
 * {@link #AFTER}, whatever the machine ({@link #SIZE_FACTOR}): the broker stops once the run is training and comes
 * back while it is still training (asserted), and the run finishes after that.
 */
class TrainingThroughBrokerOutageIT {
    static final Duration OUTAGE = Duration.ofSeconds(180);
    /** How long the run should train after the broker is back, at the calibrated rate (a margin for load). */
    static final Duration AFTER = Duration.ofSeconds(60);
    static final Duration CALIBRATION = Duration.ofSeconds(15);
    /**
     * Steps between evaluations, of the calibration run and of the real run alike: evaluations cost time, so only the
     * same cadence gives the real run the calibrated rate (with 50 evaluations the real run trained ≥ 1.3× faster than
     * the calibration and finished inside the outage).
     */
    static final int EVAL_EVERY = 20;
    /**
     * The run is sized for this many times OUTAGE + AFTER at the calibrated rate: on a quiet machine the real run
     * still trained ≥ 1.3× faster than the (warmed-up) calibration and finished inside the outage; a slower real run
     * only lengthens the test.
     */
    static final double SIZE_FACTOR = 2.0;
    /** Training time of the calibration run before its rate is sampled (the trainer's JIT warms up meanwhile). */
    static final Duration WARM_UP = Duration.ofSeconds(10);
    /** Checkpoints (after step 0) of the run. */
    static final int CHECKPOINTS = 10;

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void aRunSurvivesAThreeMinuteBrokerOutageAndEveryEventArrives() throws Exception {
        double stepsPerSecond = calibratedStepsPerSecond();
        assertTrue(stepsPerSecond > 0, "the calibration run made progress");
        // OUTAGE + AFTER at that rate, a multiple of EVAL_EVERY × CHECKPOINTS so that both divide it
        int unit = EVAL_EVERY * CHECKPOINTS;
        int steps = (int) Math.ceil(SIZE_FACTOR * stepsPerSecond * (OUTAGE.getSeconds() + AFTER.getSeconds()) / unit)
                * unit;
        int evalEvery = EVAL_EVERY;
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
        try {
            Thread.sleep(OUTAGE.toMillis());
            stepAtStart = trainerStep(id);
            String trainerStatus = single("select status from trainer.training_job where experiment_id = ?", id);
            pendingEvents = Long.parseLong(single("select count(*) from trainer.event_outbox where msg_key = ?",
                    id.toString()));
            assertEquals("RUNNING", trainerStatus, "training went on without the broker and is still going on at "
                    + "step " + stepAtStart + " of " + steps + " (calibrated " + Math.round(stepsPerSecond)
                    + " steps/s)");
            assertTrue(stepAtStart > stepAtStop, "steps " + stepAtStop + " → " + stepAtStart + " during the outage");
            assertTrue(pendingEvents > 0, "the trainer kept its events while the broker was down");
        } finally {
            down = Duration.ofNanos(System.nanoTime() - stopped).toSeconds();
            BrokerOutageIT.kafka("start");
        }

        JsonNode run = completed(id, Duration.ofMinutes(5));
        assertEquals(steps, run.path("step").asLong());
        // every evaluation (step 0, then every evalEvery) and every checkpoint the trainer stored reached the dashboard
        int expectedPoints = steps / evalEvery + 1;
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
                        + "(steps %d -> %d during the outage, %d events held in the trainer's outbox) -> COMPLETED, "
                        + "%d/%d progress points and %d/%d checkpoints arrived, %d duplicated, %d training attempt(s)%n",
                down, steps, stepAtStop, stepAtStart, pendingEvents, points, expectedPoints, checkpoints,
                trainerCheckpoints, (points - expectedPoints) + (checkpoints - distinctCheckpointSteps), attempts);
        assertEquals(expectedPoints, points, "one progress point per evaluation, none doubled");
        assertEquals(trainerCheckpoints, checkpoints, "each checkpoint recorded once");
        assertEquals(checkpoints, distinctCheckpointSteps, "no step checkpointed twice");
        assertEquals(1, jobs, "one training job");
        assertEquals(1, attempts, "trained in one attempt: the outage failed nothing");
    }

    /**
     * Steps per second of an XOR run on this stack now: a run as long as the lab allows, read at two of its
     * evaluations at least CALIBRATION apart (each evaluation stores its step and time in the training job), then
     * cancelled. It evaluates as often as the real run, so that both train at the same rate.
     */
    private static double calibratedStepsPerSecond() throws InterruptedException {
        UUID id = submit("broker-outage-calibration", 10_000_000, EVAL_EVERY, 10_000_000);
        long[] started = freshEvaluation(id, 0, Duration.ofMinutes(3));
        long[] first = freshEvaluation(id, started[1] + WARM_UP.toMillis(), Duration.ofMinutes(3));
        long[] second = freshEvaluation(id, first[1] + CALIBRATION.toMillis(), Duration.ofMinutes(3));
        given().post("/api/experiments/" + id + "/cancel").then().statusCode(200);
        Lab.await("the calibration run cancelled", Duration.ofMinutes(1), () ->
                "CANCELLED".equals(single("select status from trainer.training_job where experiment_id = ?", id))
                        ? true : null);
        return (second[0] - first[0]) * 1000.0 / (second[1] - first[1]);
    }

    /**
     * {step, time in ms} of an evaluation of the run at or after {@code notBefore}: the training job's step seen to
     * change from one poll to the next (each evaluation stores its step with a heartbeat; within the poll's second no
     * other heartbeat comes, those come 5 s after the last one), so the heartbeat's time is that evaluation's.
     */
    private static long[] freshEvaluation(UUID id, long notBefore, Duration timeout) throws InterruptedException {
        long[][] previous = {heartbeat(id)};
        return Lab.await("an evaluation of the calibration run", timeout, () -> {
            long[] beat = heartbeat(id);
            boolean fresh = beat != null && previous[0] != null && beat[0] != previous[0][0] && beat[1] >= notBefore;
            previous[0] = beat;
            return fresh ? beat : null;
        });
    }

    /** {step of the last evaluation, time of the last heartbeat in ms} of the run's training job, or null. */
    private static long[] heartbeat(UUID id) {
        String beat = single("select step || ' ' || (extract(epoch from heartbeat_at) * 1000)::bigint "
                + "from trainer.training_job where experiment_id = ? and heartbeat_at is not null", id);
        if (beat == null) {
            return null;
        }
        String[] parts = beat.split(" ");
        return new long[] {Long.parseLong(parts[0]), Long.parseLong(parts[1])};
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
