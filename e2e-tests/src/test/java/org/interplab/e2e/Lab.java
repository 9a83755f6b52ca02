package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.function.Supplier;
import org.interplab.contracts.Json;

/** Where the running stack is (set by ./lab test) and the few calls every end-to-end test makes. */
final class Lab {
    static final String URL = System.getProperty("lab.url", "http://127.0.0.1:18080");
    static final String KAFKA = System.getProperty("lab.kafka", "127.0.0.1:59102");
    static final String JDBC = System.getProperty("lab.jdbc", "jdbc:postgresql://127.0.0.1:55442/interplab");

    private Lab() {
    }

    static void useRestAssured() {
        RestAssured.baseURI = URL;
    }

    /** GET that must answer 200 with JSON. */
    static JsonNode getJson(String path) {
        Response r = given().accept(ContentType.JSON).get(path);
        assertEquals(200, r.statusCode(), path + ": " + r.asString());
        try {
            return Json.MAPPER.readTree(r.asString());
        } catch (Exception e) {
            throw new AssertionError(path + " did not return JSON", e);
        }
    }

    /** Polls the probe every second until it returns non-null. */
    static <T> T await(String what, Duration timeout, Supplier<T> probe) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeout.toMillis();
        while (System.currentTimeMillis() < deadline) {
            T value = probe.get();
            if (value != null) {
                return value;
            }
            Thread.sleep(1000);
        }
        throw new AssertionError("timed out after " + timeout + " waiting for " + what);
    }
}
