package org.interplab.e2e;

import static org.interplab.e2e.ScaleOutIT.longValue;

import java.sql.Array;
import java.sql.Connection;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * What the three services' schemas hold for a set of runs after a failure test: training jobs and their attempts,
 * checkpoints written (trainer) and recorded (dashboard), analysis jobs, and the analyses the dashboard heard of.
 */
record Tally(long jobs, long completed, long attempts, long trainerCheckpoints, long finals, long dashboardCheckpoints,
             long doubledSteps, long analysisJobs, long analysisDone, long analysed) {

    static Tally of(Connection db, Array ids) {
        String jobs = "select count(*) from analysis.analysis_job j join trainer.checkpoint c on c.id = j.checkpoint_id "
                + "where c.experiment_id = any(?)";
        return new Tally(
                longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?)", ids),
                longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?) "
                        + "and status = 'COMPLETED'", ids),
                longValue(db, "select coalesce(sum(attempts), 0) from trainer.training_job where experiment_id = any(?)",
                        ids),
                longValue(db, "select count(*) from trainer.checkpoint where experiment_id = any(?)", ids),
                longValue(db, "select count(*) from trainer.checkpoint where experiment_id = any(?) and is_final", ids),
                longValue(db, "select count(*) from dashboard.checkpoint where experiment_id = any(?)", ids),
                longValue(db, "select count(*) from (select experiment_id, step from dashboard.checkpoint "
                        + "where experiment_id = any(?) group by 1, 2 having count(*) > 1) d", ids),
                longValue(db, jobs, ids),
                longValue(db, jobs + " and j.status = 'DONE'", ids),
                longValue(db, "select count(*) from dashboard.analysis where experiment_id = any(?)", ids));
    }

    /**
     * Waits until every run is COMPLETED (as the dashboard's API says), then until the dashboard has recorded every
     * checkpoint the trainer wrote and has an analysis for each.
     */
    static void awaitCompletedAndAnalysed(Connection db, List<UUID> ids, Duration timeout) throws Exception {
        Lab.await("all " + ids.size() + " runs COMPLETED", timeout, () -> {
            long done = ids.stream().filter(id -> "COMPLETED".equals(
                    Lab.getJson("/api/experiments/" + id).path("status").asText())).count();
            return done == ids.size() ? Boolean.TRUE : null;
        });
        Array idArray = db.createArrayOf("uuid", ids.toArray());
        Lab.await("every checkpoint recorded and analysed", timeout, () -> {
            Tally t = of(db, idArray);
            return t.dashboardCheckpoints() == t.trainerCheckpoints() && t.analysed() == t.trainerCheckpoints()
                    ? Boolean.TRUE : null;
        });
    }
}
