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
    static final int STEPS = 2000;
    static final int CHECKPOINT_EVERY = 500;
    static final int EVAL_EVERY = 100;
    static final Duration TIMEOUT = Duration.ofMinutes(4);

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void killingTheDashboardAndTheAnalysisServiceMidRunLosesAndDoublesNothing() throws Exception {
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"grid\":{\"seed\":"
                + "[9301,9302,9303,9304]},\"overrides\":{\"name\":\"kill-9\",\"training\":{\"steps\":" + STEPS
                + ",\"evalEvery\":" + EVAL_EVERY + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + CHECKPOINT_EVERY
                + "}}}").post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        List<UUID> ids = submitted.jsonPath().getList("ids", String.class).stream().map(UUID::fromString).toList();
        assertEquals(RUNS, ids.size());
        int checkpointsPerRun = STEPS / CHECKPOINT_EVERY + 1;

        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab")) {
            Array idArray = db.createArrayOf("uuid", ids.toArray());
            String trainerCheckpointsSql = "select count(*) from trainer.checkpoint where experiment_id = any(?)";
            // mid-sweep: checkpoints are being written and the sweep is far from done
            Lab.await("the sweep training, its first checkpoints written", TIMEOUT,
                    () -> longValue(db, trainerCheckpointsSql, idArray) >= 2 ? Boolean.TRUE : null);
            long analysisPid = Long.parseLong(services("pid", "analysis-service"));
            long dashboardPid = Long.parseLong(services("pid", "dashboard"));
            kill9(analysisPid);
            kill9(dashboardPid);
            long atKill = longValue(db, trainerCheckpointsSql, idArray);
            long completedAtKill = longValue(db, "select count(*) from trainer.training_job where "
                    + "experiment_id = any(?) and status = 'COMPLETED'", idArray);
            long analysedAtKill = longValue(db, "select count(*) from analysis.analysis_job j join trainer.checkpoint c "
                    + "on c.id = j.checkpoint_id where c.experiment_id = any(?) and j.status = 'DONE'", idArray);
            // the trainer alone: checkpoints published while neither consumer is there
            Lab.await("a checkpoint written while the dashboard and the analysis service are dead", TIMEOUT,
                    () -> longValue(db, trainerCheckpointsSql, idArray) > atKill ? Boolean.TRUE : null);
            long writtenWhileDead = longValue(db, trainerCheckpointsSql, idArray) - atKill;
            long t0 = System.nanoTime();
            services("start");
            long restartSeconds = Duration.ofNanos(System.nanoTime() - t0).toSeconds();

            Lab.await("all " + RUNS + " runs COMPLETED", TIMEOUT, () -> {
                long done = ids.stream().filter(id -> "COMPLETED".equals(
                        Lab.getJson("/api/experiments/" + id).path("status").asText())).count();
                return done == RUNS ? Boolean.TRUE : null;
            });
            Lab.await("every checkpoint of the sweep analysed", TIMEOUT, () -> longValue(db, """
                    select count(*) from dashboard.checkpoint c left join dashboard.analysis a
                      on a.checkpoint_id = c.checkpoint_id
                    where c.experiment_id = any(?) and a.checkpoint_id is null""", idArray) == 0
                    && longValue(db, "select count(*) from dashboard.checkpoint where experiment_id = any(?)",
                    idArray) == (long) RUNS * checkpointsPerRun ? Boolean.TRUE : null);

            long jobs = longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?)", idArray);
            long completed = longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?) "
                    + "and status = 'COMPLETED'", idArray);
            long trainingAttempts = longValue(db, "select coalesce(sum(attempts), 0) from trainer.training_job "
                    + "where experiment_id = any(?)", idArray);
            long trainerCheckpoints = longValue(db, trainerCheckpointsSql, idArray);
            long dashboardCheckpoints = longValue(db, "select count(*) from dashboard.checkpoint "
                    + "where experiment_id = any(?)", idArray);
            long doubledSteps = longValue(db, "select count(*) from (select experiment_id, step from "
                    + "dashboard.checkpoint where experiment_id = any(?) group by 1, 2 having count(*) > 1) d", idArray);
            long analysisJobs = longValue(db, "select count(*) from analysis.analysis_job j join trainer.checkpoint c "
                    + "on c.id = j.checkpoint_id where c.experiment_id = any(?)", idArray);
            long analysisDone = longValue(db, "select count(*) from analysis.analysis_job j join trainer.checkpoint c "
                    + "on c.id = j.checkpoint_id where c.experiment_id = any(?) and j.status = 'DONE'", idArray);
            long analysed = longValue(db, "select count(*) from dashboard.analysis where experiment_id = any(?)",
                    idArray);
            long metricPoints = longValue(db, "select count(*) from dashboard.metric_point where experiment_id = any(?)",
                    idArray);
            long expectedPoints = (long) RUNS * (STEPS / EVAL_EVERY + 1);
            long lost = (RUNS - completed) + (trainerCheckpoints - dashboardCheckpoints) + (trainerCheckpoints - analysed)
                    + (expectedPoints - metricPoints);
            long duplicated = (jobs - RUNS) + (trainingAttempts - RUNS) + doubledSteps + (analysisJobs - trainerCheckpoints);
            System.out.printf("FIGURE KillDashboardAndAnalysisIT: kill -9 of the dashboard and the analysis service "
                            + "with %d/%d runs completed and %d/%d checkpoints written (%d analysed), %d more written "
                            + "while both were dead, both restarted in %d s -> %d/%d runs COMPLETED, %d/%d checkpoints "
                            + "recorded and %d/%d analysed (%d analysis jobs DONE), %d/%d progress points, %d lost, "
                            + "%d duplicated%n",
                    completedAtKill, RUNS, atKill, RUNS * checkpointsPerRun, analysedAtKill, writtenWhileDead,
                    restartSeconds, completed, RUNS, dashboardCheckpoints, trainerCheckpoints, analysed,
                    trainerCheckpoints, analysisDone, metricPoints, expectedPoints, lost, duplicated);
            assertTrue(completedAtKill < RUNS, "the kill came mid-sweep");
            assertEquals(RUNS, jobs, "one training job per run");
            assertEquals(RUNS, completed, "every run COMPLETED");
            assertEquals(RUNS, trainingAttempts, "each trained in one attempt (the trainer was not touched)");
            assertEquals((long) RUNS * checkpointsPerRun, trainerCheckpoints, "every checkpoint written");
            assertEquals(trainerCheckpoints, dashboardCheckpoints, "the dashboard recorded each checkpoint once");
            assertEquals(0, doubledSteps, "no step checkpointed twice");
            assertEquals(trainerCheckpoints, analysisJobs, "one analysis job per checkpoint");
            assertEquals(analysisJobs, analysisDone, "every analysis DONE");
            assertEquals(trainerCheckpoints, analysed, "every checkpoint's analysis reached the dashboard");
            assertEquals(expectedPoints, metricPoints, "every progress point, once");
        }
    }
}
