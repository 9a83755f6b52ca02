package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Scale-out, as a team outgrowing one box would run it: a second trainer and a second analysis service (separate
 * processes started by {@code infra/services.sh start-replicas}, same consumer groups, database, broker and object
 * store). A 12-run sweep spreads over both trainers; mid-sweep, one trainer and one analysis service are killed
 * with SIGKILL. The survivors finish every run: 12/12 COMPLETED, every checkpoint recorded once and analysed once,
 * the killed trainer's run resumed (not restarted, not doubled).
 */
class ScaleOutIT {
    static final int RUNS = 12;
    /** Steps of each run; a checkpoint every quarter (geometric checkpoints would make ~65 per run to analyse). */
    static final int STEPS = 1000;
    static final Duration TIMEOUT = Duration.ofMinutes(12);
    static final File REPO = new File(System.getProperty("user.dir")).getParentFile();
    static final String TRAINER_REPLICA = "trainer-service-2";
    static final String ANALYSIS_REPLICA = "analysis-service-2";

    @BeforeAll
    static void startReplicas() throws Exception {
        Lab.useRestAssured();
        services("start-replicas");
    }

    @AfterAll
    static void stopReplicas() throws Exception {
        services("stop-replicas");
    }

    @Test
    void twoTrainersAndTwoAnalysisServicesLoseAndDoubleNothingWhenOneOfEachIsKilled() throws Exception {
        long trainerPid = Long.parseLong(services("pid", "trainer-service"));
        long trainerReplicaPid = Long.parseLong(services("pid", TRAINER_REPLICA));
        long analysisReplicaPid = Long.parseLong(services("pid", ANALYSIS_REPLICA));
        String analysisReplicaMetrics = "http://127.0.0.1:" + services("port", ANALYSIS_REPLICA) + "/q/metrics";

        StringBuilder seeds = new StringBuilder();
        for (int i = 0; i < RUNS; i++) {
            seeds.append(i == 0 ? "" : ",").append(9100 + i);
        }
        Response submitted = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"grid\":{\"seed\":["
                + seeds + "]},\"overrides\":{\"name\":\"scale-out\",\"training\":{\"steps\":" + STEPS
                + ",\"checkpoints\":\"every\",\"checkpointEvery\":" + STEPS / 4 + "}}}")
                .post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        List<UUID> ids = submitted.jsonPath().getList("ids", String.class).stream().map(UUID::fromString).toList();
        assertEquals(RUNS, ids.size());

        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab")) {
            Array idArray = db.createArrayOf("uuid", ids.toArray());
            // both trainers work on the sweep: wait until each has claimed a run, and the replica is early in one
            Set<Long> claimants = new HashSet<>();
            Lab.await("both trainers running runs of the sweep, the replica early in one", TIMEOUT,
                    () -> {
                        UUID early = null;
                        for (Object[] job : rows(db, "select experiment_id, claimed_by, step from trainer.training_job "
                                + "where experiment_id = any(?) and status = 'RUNNING'", idArray)) {
                            long pid = pidOf((String) job[1]);
                            claimants.add(pid);
                            if (pid == trainerReplicaPid && ((Number) job[2]).longValue() < STEPS / 2) {
                                early = (UUID) job[0];
                            }
                        }
                        return claimants.contains(trainerPid) && early != null ? early : null;
                    });
            // the analysis replica has analysed checkpoints of its own (its timer counts finished analyses)
            Lab.await("the analysis replica analysing", TIMEOUT,
                    () -> analysesDone(analysisReplicaMetrics) > 0 ? Boolean.TRUE : null);
            kill9(trainerReplicaPid);
            kill9(analysisReplicaPid);
            // the runs the killed trainer held (a dead process updates nothing after this)
            List<UUID> victims = new ArrayList<>();
            List<Long> victimSteps = new ArrayList<>();
            for (Object[] job : rows(db, "select experiment_id, claimed_by, step from trainer.training_job "
                    + "where experiment_id = any(?) and status = 'RUNNING'", idArray)) {
                if (pidOf((String) job[1]) == trainerReplicaPid) {
                    victims.add((UUID) job[0]);
                    victimSteps.add(((Number) job[2]).longValue());
                }
            }
            long completedAtKill = longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?)"
                    + " and status = 'COMPLETED'", idArray);

            Tally.awaitCompletedAndAnalysed(db, ids, TIMEOUT);
            Tally t = Tally.of(db, idArray);
            long victimsTakenOver = longValue(db, "select count(*) from trainer.training_job where experiment_id = any(?) "
                    + "and status = 'COMPLETED' and attempts >= 2", db.createArrayOf("uuid", victims.toArray()));
            System.out.printf("scale-out: %d runs over trainers %s; kill -9 of trainer-service-2 (runs %s at steps %s) "
                            + "and analysis-service-2 with %d/%d runs completed -> %d/%d COMPLETED, %d jobs, "
                            + "%d checkpoints (trainer) = %d (dashboard), %d doubled steps, %d final, "
                            + "%d/%d analysis jobs DONE; %d/%d killed runs taken over and COMPLETED%n",
                    RUNS, claimants, victims, victimSteps, completedAtKill, RUNS, t.completed(), RUNS, t.jobs(),
                    t.trainerCheckpoints(), t.dashboardCheckpoints(), t.doubledSteps(), t.finals(), t.analysisDone(),
                    t.analysisJobs(), victimsTakenOver, victims.size());
            // which trainer finished each run (a run taken over is the survivor's), and what was lost or doubled
            java.util.Map<String, Integer> finishedBy = new java.util.TreeMap<>();
            for (Object[] job : rows(db, "select claimed_by from trainer.training_job where experiment_id = any(?) "
                    + "and status = 'COMPLETED'", idArray)) {
                long pid = pidOf((String) job[0]);
                finishedBy.merge(pid == trainerPid ? "trainer-service" : pid == trainerReplicaPid ? TRAINER_REPLICA
                        : "pid " + pid, 1, Integer::sum);
            }
            System.out.printf("FIGURE ScaleOutIT: %d-run sweep on 2 trainers + 2 analysis services, kill -9 of "
                            + "%s (%d run(s) mid-training) and %s -> runs finished per trainer %s, %d lost, "
                            + "%d duplicated (%d jobs, %d doubled checkpoint steps, %d/%d checkpoints analysed once)%n",
                    RUNS, TRAINER_REPLICA, victims.size(), ANALYSIS_REPLICA, finishedBy, RUNS - t.completed(),
                    (t.jobs() - RUNS) + t.doubledSteps() + (t.analysisJobs() - t.trainerCheckpoints()), t.jobs(),
                    t.doubledSteps(), t.analysisDone(), t.trainerCheckpoints());
            assertTrue(claimants.containsAll(List.of(trainerPid, trainerReplicaPid)), "both trainers ran runs");
            assertTrue(completedAtKill < RUNS, "the kill came mid-sweep");
            assertEquals(RUNS, t.jobs(), "one training job per run (none lost, none doubled)");
            assertEquals(RUNS, t.completed(), "every run COMPLETED");
            assertEquals(RUNS, t.finals(), "one final checkpoint per run");
            assertEquals(t.trainerCheckpoints(), t.dashboardCheckpoints(), "the dashboard recorded each checkpoint once");
            assertEquals(0, t.doubledSteps(), "no step checkpointed twice");
            assertEquals(t.trainerCheckpoints(), t.analysisJobs(), "one analysis job per checkpoint");
            assertEquals(t.analysisJobs(), t.analysisDone(), "every analysis DONE");
            assertTrue(!victims.isEmpty(), "the trainer was killed in the middle of a run");
            assertEquals(victims.size(), victimsTakenOver, "the killed trainer's runs were taken over by the survivor");
        }
    }

    /** infra/services.sh with these arguments (LAB_HOME and the ports come from ./lab test's environment). */
    static String services(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(new File(REPO, "infra/services.sh").getPath()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).directory(REPO).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("infra/services.sh " + String.join(" ", args) + " failed: " + out);
        }
        System.out.print(args[0].startsWith("start") || args[0].startsWith("stop") ? out : "");
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1].strip();
    }

    /** SIGKILL (ProcessHandle.destroyForcibly is kill -9 on Linux), then wait until the process is gone. */
    static void kill9(long pid) throws Exception {
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow(() -> new AssertionError("no process " + pid));
        assertTrue(process.destroyForcibly(), "kill -9 " + pid);
        process.onExit().get(30, TimeUnit.SECONDS);
    }

    /** A worker id is "pid@host/n/random" (RuntimeMXBean's name first). */
    static long pidOf(String workerId) {
        return workerId == null ? -1 : Long.parseLong(workerId.substring(0, workerId.indexOf('@')));
    }

    /** lab_analysis_seconds_count{outcome="done"} of an analysis service's Prometheus endpoint. */
    static long analysesDone(String metricsUrl) {
        try {
            String text = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(metricsUrl)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^lab_analysis_seconds_count\\{[^}]*outcome=\"done\"[^}]*} ([0-9.E]+)")
                    .matcher(text);
            return m.find() ? (long) Double.parseDouble(m.group(1)) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    static List<Object[]> rows(Connection db, String sql, Object param) {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setObject(1, param);
            List<Object[]> rows = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    Object[] row = new Object[rs.getMetaData().getColumnCount()];
                    for (int i = 0; i < row.length; i++) {
                        row[i] = rs.getObject(i + 1);
                    }
                    rows.add(row);
                }
            }
            return rows;
        } catch (Exception e) {
            throw new AssertionError(sql, e);
        }
    }

    static long longValue(Connection db, String sql, Object param) {
        return ((Number) rows(db, sql, param).get(0)[0]).longValue();
    }
}
