package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.interplab.e2e.ScaleOutIT.kill9;
import static org.interplab.e2e.ScaleOutIT.longValue;
import static org.interplab.e2e.ScaleOutIT.services;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * kill -9 of the dashboard and of the (only) analysis service in the middle of a sweep, while runs train and
 * checkpoints wait to be analysed; the trainer goes on alone and publishes checkpoints nobody consumes; then both
 * are started again with infra/services.sh. Every run completes, every checkpoint is recorded once and analysed
 * once: 0 lost, 0 duplicated. (The trainer's kill -9 is ScaleOutIT's.)
 */
class KillDashboardAndAnalysisIT {
    static final int RUNS = 4;
    static final int STEPS = 1000;
    static final int CHECKPOINT_EVERY = 250;
    static final int EVAL_EVERY = 50;
    static final Duration TIMEOUT = Duration.ofMinutes(4);

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void killingTheDashboardAndTheAnalysisServiceMidRunLosesAndDoublesNothing() throws Exception {
        String seeds = java.util.stream.IntStream.range(0, RUNS).mapToObj(i -> String.valueOf(9301 + i))
                .collect(java.util.stream.Collectors.joining(","));
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"grid\":{\"seed\":"
                + "[" + seeds + "]},\"overrides\":{\"name\":\"kill-9\",\"training\":{\"steps\":" + STEPS
                + ",\"evalEvery\":" + EVAL_EVERY + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + CHECKPOINT_EVERY
                + "}}}").post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        List<UUID> ids = submitted.jsonPath().getList("ids", String.class).stream().map(UUID::fromString).toList();
        assertEquals(RUNS, ids.size());
        int checkpointsPerRun = STEPS / CHECKPOINT_EVERY + 1;

        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab")) {
            Array idArray = db.createArrayOf("uuid", ids.toArray());
            // mid-sweep: checkpoints are being written and the sweep is far from done
            Lab.await("the sweep training, its first checkpoints written", TIMEOUT,
                    () -> Tally.of(db, idArray).trainerCheckpoints() >= 2 ? Boolean.TRUE : null);
            long analysisPid = Long.parseLong(services("pid", "analysis-service"));
            long dashboardPid = Long.parseLong(services("pid", "dashboard"));
            kill9(analysisPid);
            kill9(dashboardPid);
            Tally atKill = Tally.of(db, idArray);
            // the trainer alone: checkpoints published while neither consumer is there
            Lab.await("a checkpoint written while the dashboard and the analysis service are dead", TIMEOUT,
                    () -> Tally.of(db, idArray).trainerCheckpoints() > atKill.trainerCheckpoints() ? Boolean.TRUE : null);
            long writtenWhileDead = Tally.of(db, idArray).trainerCheckpoints() - atKill.trainerCheckpoints();
            long t0 = System.nanoTime();
            services("start");
            long restartSeconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();

            Tally.awaitCompletedAndAnalysed(db, ids, TIMEOUT);
            Tally t = Tally.of(db, idArray);
            long metricPoints = longValue(db, "select count(*) from dashboard.metric_point where experiment_id = any(?)",
                    idArray);
            long expectedPoints = (long) RUNS * (STEPS / EVAL_EVERY + 1);
            long lost = (RUNS - t.completed()) + (t.trainerCheckpoints() - t.dashboardCheckpoints())
                    + (t.trainerCheckpoints() - t.analysed()) + (expectedPoints - metricPoints);
            long duplicated = (t.jobs() - RUNS) + (t.attempts() - RUNS) + t.doubledSteps()
                    + (t.analysisJobs() - t.trainerCheckpoints());
            System.out.printf("FIGURE KillDashboardAndAnalysisIT: kill -9 of the dashboard and the analysis service "
                            + "with %d/%d runs completed and %d/%d checkpoints written (%d analysed), %d more written "
                            + "while both were dead, both restarted in %d s -> %d/%d runs COMPLETED, %d/%d checkpoints "
                            + "recorded and %d/%d analysed (%d analysis jobs DONE), %d/%d progress points, %d lost, "
                            + "%d duplicated%n",
                    atKill.completed(), RUNS, atKill.trainerCheckpoints(), RUNS * checkpointsPerRun,
                    atKill.analysisDone(), writtenWhileDead, restartSeconds, t.completed(), RUNS,
                    t.dashboardCheckpoints(), t.trainerCheckpoints(), t.analysed(), t.trainerCheckpoints(),
                    t.analysisDone(), metricPoints, expectedPoints, lost, duplicated);
            assertTrue(atKill.completed() < RUNS, "the kill came mid-sweep");
            assertEquals(RUNS, t.jobs(), "one training job per run");
            assertEquals(RUNS, t.completed(), "every run COMPLETED");
            assertEquals(RUNS, t.attempts(), "each trained in one attempt (the trainer was not touched)");
            assertEquals((long) RUNS * checkpointsPerRun, t.trainerCheckpoints(), "every checkpoint written");
            assertEquals(t.trainerCheckpoints(), t.dashboardCheckpoints(), "the dashboard recorded each checkpoint once");
            assertEquals(0, t.doubledSteps(), "no step checkpointed twice");
            assertEquals(t.trainerCheckpoints(), t.analysisJobs(), "one analysis job per checkpoint");
            assertEquals(t.analysisJobs(), t.analysisDone(), "every analysis DONE");
            assertEquals(t.trainerCheckpoints(), t.analysed(), "every checkpoint's analysis reached the dashboard");
            assertEquals(expectedPoints, metricPoints, "every progress point, once");
        }
    }
}
