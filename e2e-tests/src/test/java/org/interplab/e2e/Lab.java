package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.specification.RequestSpecification;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.function.Supplier;
import org.interplab.contracts.Json;

/** Where the running stack is (set by ./lab test) and the few calls every end-to-end test makes. */
final class Lab {
    static final String URL = System.getProperty("lab.url", "http://127.0.0.1:18080");
    static final String KAFKA = System.getProperty("lab.kafka", "127.0.0.1:29102");
    static final String JDBC = System.getProperty("lab.jdbc", "jdbc:postgresql://127.0.0.1:55442/interplab");
    /** The stack's first admin (./lab test sets LAB_ADMIN_PASSWORD and passes it as -Dlab.admin.password). */
    static final String ADMIN = "admin";
    static final String ADMIN_PASSWORD = property("lab.admin.password", "lab-test-admin-pw");
    private static String adminToken;

    private Lab() {
    }

    /** REST Assured against the stack, every request carrying the admin's API token. */
    static void useRestAssured() {
        RestAssured.baseURI = URL;
        RestAssured.requestSpecification = new RequestSpecBuilder()
                .addHeader("Authorization", "Bearer " + adminToken()).build();
    }

    /** An API token of the admin, created once per test JVM after logging in with the password. */
    static synchronized String adminToken() {
        if (adminToken == null) {
            adminToken = login(ADMIN, ADMIN_PASSWORD).createToken("e2e");
        }
        return adminToken;
    }

    /** A logged-in browser-like session: the session cookie and this dashboard's Origin on writes. */
    record Session(String cookie) {
        RequestSpecification spec() {
            return given().baseUri(URL).cookie("lab_session", cookie).header("Origin", URL);
        }

        String createToken(String name) {
            Response r = spec().contentType(ContentType.JSON).body("{\"name\":\"" + name + "\"}")
                    .post("/api/auth/tokens");
            assertEquals(201, r.statusCode(), "create token: " + r.asString());
            return r.jsonPath().getString("token");
        }
    }

    static Session login(String username, String password) {
        Response r = given().baseUri(URL).contentType(ContentType.JSON)
                .body(Json.write(java.util.Map.of("username", username, "password", password)))
                .post("/api/auth/login");
        assertEquals(200, r.statusCode(), "login as " + username + ": " + r.asString());
        return new Session(r.getCookie("lab_session"));
    }

    private static String property(String name, String fallback) {
        String value = System.getProperty(name);
        return value == null || value.isBlank() || value.startsWith("${") ? fallback : value;
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
