package org.interplab.dashboard.service;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.awaitility.Awaitility;
import org.interplab.dashboard.SqlCounts;
import org.junit.jupiter.api.Test;

/**
 * The outbox with no broker: the outgoing channel points at a closed port. Submissions still answer 202 at once,
 * are stored QUEUED and stay pending in the outbox (the relay keeps trying); a pending run can be cancelled here.
 * It was disabled for timing out: the connector retried a timed-out send itself (a retriable error), so the first
 * nack came after 30 s or more and the relay's attempt count stood still; with the connector's retries off the relay
 * is the only retry loop, and the 202 check no longer depends on wall-clock time.
 * That they are delivered once a broker is reachable is e2e BrokerOutageIT (a real broker stopped and started).
 */
@QuarkusTest
@TestProfile(OutboxBrokerDownTest.NoBroker.class)
class OutboxBrokerDownTest {
    public static class NoBroker implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            // the connector's own retries off: a failed send is nacked after max.block.ms, and the relay's next
            // pass is the retry (with the connector retrying a retriable timeout itself, the first nack took >30 s)
            return Map.of("mp.messaging.outgoing.experiments-requested.bootstrap.servers", "127.0.0.1:1",
                    "mp.messaging.outgoing.experiments-requested.max.block.ms", "2000",
                    "mp.messaging.outgoing.experiments-requested.retries", "0");
        }
    }

    @Inject
    SqlCounts sql;

    @Test
    void submissionsAreAcceptedAndStayPendingUntilTheBrokerAnswers() {
        String id = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":901}")
                .post("/api/experiments").then().statusCode(202).extract().jsonPath().getString("id");
        String cancelled = given().contentType(ContentType.JSON).body("{\"preset\":\"xor\",\"seed\":902}")
                .post("/api/experiments").then().statusCode(202).extract().jsonPath().getString("id");
        // 202 did not wait for Kafka: no broker can acknowledge anything here, so any 202 came without an ack (a
        // wall-clock bound was flaky: the first POST of a fresh JVM took 27 s at load average 20 on 2 cores)
        // the relay keeps trying (each pending row is sent again after its nack, every max.block.ms plus a tick per
        // row still pending in the shared test database)
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1)).until(() -> sql.count(
                "select count(*) from dashboard.outbox where experiment_id = ?::uuid and attempts >= 2", id) == 1);
        assertEquals(1, sql.count("select count(*) from dashboard.outbox where experiment_id = ?::uuid "
                + "and sent_at is null", id), "still pending after failed attempts");
        assertEquals("QUEUED", given().get("/api/experiments/" + id).jsonPath().getString("status"));
        // cancel of a run that is still in the outbox: done here, its event withdrawn
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given()
                .post("/api/experiments/" + cancelled + "/cancel").statusCode() == 202);
        assertEquals("CANCELLED", given().get("/api/experiments/" + cancelled).jsonPath().getString("status"));
        assertEquals(0, sql.count("select count(*) from dashboard.outbox where experiment_id = ?::uuid",
                cancelled));
    }
}
