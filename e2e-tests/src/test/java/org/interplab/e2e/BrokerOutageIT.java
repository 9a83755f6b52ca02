package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * No submission lost: with the broker really stopped (infra/kafka.sh stop), N small XOR runs are submitted and
 * each answers 202 (stored with its request event in the dashboard's outbox); the broker is started again and
 * every run trains exactly once (one training job, one attempt, COMPLETED).
 */
class BrokerOutageIT {
    /** The figure: 20 submissions with the broker stopped. */
    static final int RUNS = 20;
    static final Duration TIMEOUT = Duration.ofMinutes(4);
    static final File REPO = new File(System.getProperty("user.dir")).getParentFile();

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void runsSubmittedWhileTheBrokerIsDownAllTrainOnceItIsBack() throws Exception {
        List<UUID> ids = new ArrayList<>();
        kafka("stop");
        long stopped = System.nanoTime();
        long down;
        try {
            for (int i = 0; i < RUNS; i++) {
                Response r = given().contentType(ContentType.JSON)
                        .body("{\"preset\":\"xor\",\"seed\":" + (7000 + i)
                                + ",\"overrides\":{\"name\":\"broker-outage\",\"training\":{\"steps\":100}}}")
                        .post("/api/experiments");
                assertEquals(202, r.statusCode(), "submitted with the broker down: " + r.asString());
                ids.add(UUID.fromString(r.jsonPath().getString("id")));
            }
            try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab")) {
                for (UUID id : ids) {
                    assertEquals(1, count(db, "select count(*) from dashboard.outbox where experiment_id = ? "
                            + "and sent_at is null", id), "pending in the outbox while the broker is down: " + id);
                }
            }
        } finally {
            down = Duration.ofNanos(System.nanoTime() - stopped).toSeconds();
            kafka("start");
        }
        Lab.await("all " + RUNS + " runs submitted during the outage COMPLETED", TIMEOUT, () -> {
            long done = ids.stream().filter(id -> "COMPLETED".equals(
                    Lab.getJson("/api/experiments/" + id).path("status").asText())).count();
            return done == RUNS ? Boolean.TRUE : null;
        });
        try (Connection db = DriverManager.getConnection(Lab.JDBC, "interplab", "interplab")) {
            int trained = 0;
            int duplicated = 0;
            for (UUID id : ids) {
                assertEquals(0, count(db, "select count(*) from dashboard.outbox where experiment_id = ? "
                        + "and sent_at is null", id), "relayed: " + id);
                long jobs = count(db, "select count(*) from trainer.training_job where experiment_id = ?", id);
                long attempts = count(db, "select coalesce(sum(attempts), 0) from trainer.training_job "
                        + "where experiment_id = ?", id);
                trained += jobs == 1 ? 1 : 0;
                duplicated += jobs > 1 || attempts > 1 ? 1 : 0;
            }
            System.out.printf("FIGURE BrokerOutageIT: broker stopped -> %d submissions answered 202 -> broker started "
                    + "after %d s -> %d/%d trained, %d duplicated%n", RUNS, down, trained, RUNS, duplicated);
            assertEquals(RUNS, trained, "runs trained");
            assertEquals(0, duplicated, "runs trained twice");
        }
    }

    /** infra/kafka.sh stop|start of the stack's own broker (LAB_HOME and ports come from ./lab test's env). */
    static void kafka(String command) throws Exception {
        Process p = new ProcessBuilder(new File(REPO, "infra/kafka.sh").getPath(), command)
                .directory(REPO).inheritIO().start();
        if (!p.waitFor(3, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new AssertionError("infra/kafka.sh " + command + " failed");
        }
    }

    static long count(Connection db, String sql, UUID id) throws Exception {
        try (PreparedStatement st = db.prepareStatement(sql)) {
            st.setObject(1, id);
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
