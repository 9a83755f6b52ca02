package org.interplab.dashboard.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;
import org.interplab.dashboard.SqlCounts;
import org.interplab.dashboard.TestUsers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every dashboard endpoint × {anonymous, viewer, researcher (owner of the runs), other researcher, admin} →
 * the expected status, with the JSON error body on 401/403; then CSRF, tokens, password storage, and what owners
 * and others may do with a run.
 */
@QuarkusTest
class AuthorizationMatrixTest {
    static final String XOR = "{\"preset\":\"xor\",\"seed\":7,\"overrides\":{\"training\":{\"steps\":5}}}";
    /** Passes the access checks; what the endpoint then answers depends on the (absent) trainer. */
    static final int ALLOWED = -1;
    static final List<String> CALLERS = List.of("anonymous", "viewer", "researcher", "other", "admin");

    @Inject
    SqlCounts sql;

    @BeforeEach
    void noDefaultCaller() {
        TestUsers.anonymousByDefault();
    }

    static RequestSpecification as(String caller) {
        return switch (caller) {
            case "anonymous" -> given();
            case "viewer" -> given().header("Authorization", TestUsers.bearer("mx-viewer", Roles.VIEWER));
            case "researcher" -> given().header("Authorization", TestUsers.bearer("mx-alice", Roles.RESEARCHER));
            case "other" -> given().header("Authorization", TestUsers.bearer("mx-bob", Roles.RESEARCHER));
            case "admin" -> given().header("Authorization", TestUsers.bearer("mx-admin", Roles.ADMIN));
            default -> throw new IllegalArgumentException(caller);
        };
    }

    /** A run of mx-alice, submitted through the API. */
    static String aliceRun() {
        Response r = as("researcher").contentType(ContentType.JSON).body(XOR).post("/api/experiments");
        assertEquals(202, r.statusCode(), r.asString());
        return r.jsonPath().getString("id");
    }

    record Row(String method, Supplier<String> path, String body, ContentType type, int... expected) {
    }

    @Test
    void everyEndpointAnswersEachRoleAsSpecified() {
        String run = aliceRun();
        String other = aliceRun();
        List<Row> rows = new ArrayList<>();
        //                                                                      anon viewer alice bob admin
        rows.add(new Row("GET", () -> "/api/experiments", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments?mine=true", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments/" + run, null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments/" + run + "/metrics", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments/" + run + "/checkpoints", null, null,
                401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments/" + run + "/notes", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/experiments/compare?ids=" + run + "," + other, null, null,
                401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/sweeps", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/presets", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/checkpoints", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/checkpoints/" + UUID.randomUUID(), null, null,
                401, 404, 404, 404, 404));
        rows.add(new Row("GET", () -> "/api/checkpoints/" + UUID.randomUUID() + "/analysis", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/auth/me", null, null, 200, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/auth/tokens", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/users", null, null, 401, 403, 403, 403, 200));
        rows.add(new Row("POST", () -> "/api/experiments", XOR, ContentType.JSON, 401, 403, 202, 202, 202));
        rows.add(new Row("PATCH", () -> "/api/experiments/" + run, "{\"tags\":[\"matrix\"]}", ContentType.JSON,
                401, 403, 200, 403, 200));
        rows.add(new Row("POST", () -> "/api/experiments/" + run + "/notes", "{\"body\":\"a *note*\"}",
                ContentType.JSON, 401, 403, 201, 403, 201));
        rows.add(new Row("POST", () -> "/api/experiments/" + run + "/cancel", null, null,
                401, 403, ALLOWED, 403, ALLOWED));
        rows.add(new Row("DELETE", () -> "/api/experiments/" + aliceRun(), null, null, 401, 403, 204, 403, 204));
        rows.add(new Row("POST", () -> "/api/checkpoints", null, ContentType.MULTIPART,
                401, 403, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/users", null, ContentType.JSON, 401, 403, 403, 403, 201));
        rows.add(new Row("PATCH", () -> "/api/users/" + idOf("mx-target"), "{\"role\":\"viewer\"}",
                ContentType.JSON, 401, 403, 403, 403, 200));
        // unlinking an OIDC account (a local one has nothing to unlink: 400 past the access checks) and its audit
        rows.add(new Row("POST", () -> "/api/users/" + idOf("mx-target") + "/unlink-oidc", null, null,
                401, 403, 403, 403, 400));
        rows.add(new Row("GET", () -> "/api/users/" + idOf("mx-target") + "/audit", null, null,
                401, 403, 403, 403, 200));
        // changing one's own password: any logged-in user (here with a wrong current password: 400 past the checks)
        rows.add(new Row("POST", () -> "/api/auth/password", "{\"currentPassword\":\"not-it-at-all\","
                + "\"password\":\"a-new-long-password\"}", ContentType.JSON, 401, 400, 400, 400, 400));
        rows.add(new Row("POST", () -> "/api/auth/tokens", "{\"name\":\"matrix\"}", ContentType.JSON,
                401, 201, 201, 201, 201));
        rows.add(new Row("DELETE", () -> "/api/auth/tokens/" + UUID.randomUUID(), null, null,
                401, 404, 404, 404, 404));

        // the rest of the API: runs' samples, stored checkpoints, sweeps, the admin pages, the models' prompt lab and
        // Neuroscope, corpora, reproductions, the open auth endpoints and the OIDC login (off in tests: 404)
        String model = UUID.randomUUID().toString();
        rows.add(new Row("GET", () -> "/api/experiments/" + run + "/samples", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/checkpoints/" + model + "/safetensors", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/checkpoints/" + model + "/analysis/attention", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/checkpoints/import/hf", null, ContentType.MULTIPART,
                401, 403, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/sweeps/" + UUID.randomUUID(), null, null, 401, 404, 404, 404, 404));
        rows.add(new Row("POST", () -> "/api/sweeps/" + UUID.randomUUID() + "/cancel", null, null,
                401, 403, 404, 404, 404));
        rows.add(new Row("GET", () -> "/api/admin/analysis-jobs", null, null, 401, 403, 403, 403, ALLOWED));
        rows.add(new Row("GET", () -> "/api/admin/analysis-jobs/" + model, null, null, 401, 403, 403, 403, ALLOWED));
        rows.add(new Row("POST", () -> "/api/admin/analysis-jobs/" + model + "/retry", null, null,
                401, 403, 403, 403, ALLOWED));
        rows.add(new Row("GET", () -> "/api/admin/dead-letters", null, null, 401, 403, 403, 403, ALLOWED));
        rows.add(new Row("POST", () -> "/api/admin/dead-letters/0/5/replay", null, null,
                401, 403, 403, 403, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/prompt?input=ACQ", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/neuroscope/scans", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/models/" + model + "/neuroscope/scans", "{}", ContentType.JSON,
                401, 403, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/neurons/0/1", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/neurons", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/neuroscope/search?token=1", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/models/" + model + "/neuroscope/live", "{\"text\":\"once\"}",
                ContentType.JSON, 401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/models/" + model + "/neuroscope/cosine/0", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/corpora", null, null, 401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/corpora/" + UUID.randomUUID(), null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/corpora/" + UUID.randomUUID() + "/splits/train", null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/corpora", "{\"name\":\"matrix\",\"path\":\"/nonexistent.txt\"}",
                ContentType.JSON, 401, 403, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("GET", () -> "/api/reproductions", null, null, 401, 200, 200, 200, 200));
        rows.add(new Row("GET", () -> "/api/reproductions/" + UUID.randomUUID(), null, null,
                401, ALLOWED, ALLOWED, ALLOWED, ALLOWED));
        rows.add(new Row("POST", () -> "/api/auth/login", "{\"username\":\"mx-nobody\",\"password\":\"wrong-pw-1\"}",
                ContentType.JSON, 401, 401, 401, 401, 401));
        rows.add(new Row("POST", () -> "/api/auth/setup", "{\"username\":\"mx-late\",\"password\":\"long-enough-pw\"}",
                ContentType.JSON, 409, 409, 409, 409, 409));
        rows.add(new Row("POST", () -> "/api/auth/logout", null, null, 204, 204, 204, 204, 204));
        rows.add(new Row("GET", () -> "/api/auth/oidc/login", null, null, 404, 404, 404, 404, 404));

        Map<String, String> failures = new LinkedHashMap<>();
        int checked = 0;
        for (Row row : rows) {
            for (int c = 0; c < CALLERS.size(); c++) {
                String caller = CALLERS.get(c);
                String path = row.path().get();
                RequestSpecification request = as(caller);
                if (row.type() == ContentType.MULTIPART && path.endsWith("/import/hf")) {
                    request = request.multiPart("model", "model.safetensors", new byte[] {1, 2, 3},
                            "application/octet-stream").multiPart("config", "config.json", "{}".getBytes(),
                            "application/json");
                } else if (row.type() == ContentType.MULTIPART) {
                    request = request.multiPart("file", "m.safetensors", new byte[] {1, 2, 3},
                            "application/octet-stream");
                } else if (path.equals("/api/users") && row.method().equals("POST")) {
                    request = request.contentType(ContentType.JSON).body("{\"username\":\"mx-new-"
                            + UUID.randomUUID().toString().substring(0, 8) + "\",\"password\":\"long-enough-pw\","
                            + "\"role\":\"viewer\"}");
                } else if (row.body() != null) {
                    request = request.contentType(row.type()).body(row.body());
                }
                Response r = request.request(row.method(), path);
                int want = row.expected()[c];
                boolean ok = want == ALLOWED ? r.statusCode() != 401 && r.statusCode() != 403
                        : r.statusCode() == want;
                if (ok && (r.statusCode() == 401 || r.statusCode() == 403)) {
                    ok = r.contentType().startsWith("application/json") && r.jsonPath().getString("error") != null;
                }
                if (!ok) {
                    failures.put(row.method() + " " + path + " as " + caller,
                            "expected " + (want == ALLOWED ? "not 401/403" : want) + ", got " + r.statusCode()
                                    + " " + r.asString());
                }
                checked++;
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + checked + " cells wrong: " + failures);
        assertEquals(rows.size() * CALLERS.size(), checked);
        long refusals = rows.stream().flatMapToInt(r -> java.util.Arrays.stream(r.expected()))
                .filter(status -> status == 401 || status == 403).count();
        System.out.printf("FIGURE AuthorizationMatrixTest: %d endpoints x %d callers (%s) = %d cells as expected, "
                + "%d of them 401/403 with the JSON error body%n", rows.size(), CALLERS.size(),
                String.join(", ", CALLERS), checked, refusals);
    }

    @Test
    void theLiveEventStreamRefusesAnonymousCallers() {
        // a stream never ends for a caller it admits, so it is not a matrix row: anonymous → 401 with the JSON body
        Response r = given().get("/api/experiments/" + aliceRun() + "/events");
        assertEquals(401, r.statusCode(), r.asString());
        assertNotNull(r.jsonPath().getString("error"));
    }

    private String idOf(String username) {
        TestUsers.token(username, Roles.VIEWER);
        for (var user : tree(as("admin").get("/api/users"))) {
            if (username.equals(user.path("username").asText())) {
                return user.path("id").asText();
            }
        }
        throw new AssertionError("no user " + username);
    }

    /** The ids in a JSON list answer (Jackson, not REST Assured's Groovy path: fast on large lists). */
    static List<String> ids(Response r) {
        List<String> ids = new ArrayList<>();
        tree(r).forEach(n -> ids.add(n.path("id").asText()));
        return ids;
    }

    static com.fasterxml.jackson.databind.JsonNode tree(Response r) {
        try {
            return org.interplab.contracts.Json.MAPPER.readTree(r.asString());
        } catch (Exception e) {
            throw new AssertionError(r.asString(), e);
        }
    }

    @Test
    void crossSiteWritesWithTheSessionCookieAreRefused() {
        TestUsers.token("mx-alice", Roles.RESEARCHER);
        String cookie = given().contentType(ContentType.JSON)
                .body("{\"username\":\"mx-alice\",\"password\":\"" + TestUsers.PASSWORD + "\"}")
                .post("/api/auth/login").then().statusCode(200).extract().cookie(LabAuthMechanism.SESSION_COOKIE);
        assertNotNull(cookie);
        String evil = "http://evil.example";
        String run = aliceRun();
        // submit, cancel and a multipart upload from another origin: 403 naming Origin, nothing done
        long before = sql.count("select count(*) from dashboard.experiment", null);
        Response submit = given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", evil)
                .contentType(ContentType.JSON).body(XOR).post("/api/experiments");
        assertEquals(403, submit.statusCode(), submit.asString());
        assertEquals("Origin", submit.jsonPath().getString("field"));
        assertEquals(before, sql.count("select count(*) from dashboard.experiment", null));
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", evil)
                .post("/api/experiments/" + run + "/cancel").then().statusCode(403);
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Referer", evil + "/page")
                .multiPart("file", "m.safetensors", new byte[] {1}, "application/octet-stream")
                .post("/api/checkpoints").then().statusCode(403);
        // a cookie write with neither Origin nor Referer is refused too
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).contentType(ContentType.JSON).body(XOR)
                .post("/api/experiments").then().statusCode(403);
        // from the dashboard's own origin it is accepted
        String self = RestAssured.baseURI + ":" + RestAssured.port;
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", self)
                .contentType(ContentType.JSON).body(XOR).post("/api/experiments").then().statusCode(202);
        // reads with the cookie work; logout ends the session
        assertEquals("mx-alice", given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).get("/api/auth/me")
                .then().statusCode(200).extract().jsonPath().getString("username"));
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", self).post("/api/auth/logout")
                .then().statusCode(204);
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).get("/api/experiments").then().statusCode(401);
    }

    @Test
    void theSessionCookieIsHttpOnlyAndSameSiteStrict() {
        TestUsers.token("mx-alice", Roles.RESEARCHER);
        String setCookie = given().contentType(ContentType.JSON)
                .body("{\"username\":\"mx-alice\",\"password\":\"" + TestUsers.PASSWORD + "\"}")
                .post("/api/auth/login").then().statusCode(200).extract().header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.toLowerCase().contains("samesite=strict"), setCookie);
        Response wrong = given().contentType(ContentType.JSON)
                .body("{\"username\":\"mx-alice\",\"password\":\"not-the-password\"}").post("/api/auth/login");
        assertEquals(401, wrong.statusCode());
        assertEquals("password", wrong.jsonPath().getString("field"));
    }

    @Test
    void tokensAreCreatedUsedAndRevokedAndStoredHashed() {
        Response created = given().header("Authorization", TestUsers.bearer("mx-alice", Roles.RESEARCHER)).contentType(ContentType.JSON)
                .body("{\"name\":\"my script\"}").post("/api/auth/tokens");
        assertEquals(201, created.statusCode(), created.asString());
        String token = created.jsonPath().getString("token");
        String id = created.jsonPath().getString("id");
        assertTrue(token.startsWith("lab_") && token.length() > 40, token);
        assertEquals(0, sql.count("select count(*) from dashboard.api_token where token_hash = ?", token),
                "the token itself is not stored");
        assertEquals(1, sql.count("select count(*) from dashboard.api_token where token_hash = ?",
                Secrets.sha256(token)));
        assertEquals("mx-alice", given().header("Authorization", "Bearer " + token).get("/api/auth/me")
                .then().statusCode(200).extract().jsonPath().getString("username"));
        List<String> listed = given().header("Authorization", "Bearer " + token).get("/api/auth/tokens")
                .jsonPath().getList("name");
        assertTrue(listed.contains("my script"), listed.toString());
        assertFalse(given().header("Authorization", "Bearer " + token).get("/api/auth/tokens").asString()
                .contains(token), "the secret is shown only once");
        given().header("Authorization", "Bearer " + token).delete("/api/auth/tokens/" + id).then().statusCode(204);
        Response revoked = given().header("Authorization", "Bearer " + token).get("/api/experiments");
        assertEquals(401, revoked.statusCode());
        assertEquals("Authorization", revoked.jsonPath().getString("field"));
    }

    @Test
    void aUserChangesTheirOwnPasswordAndTheirSessionsEnd() {
        // a new user each run (the test database outlives the run, and this one's password changes)
        String user = "mx-pw-" + UUID.randomUUID().toString().substring(0, 8);
        String token = TestUsers.token(user, Roles.VIEWER);
        String cookie = given().contentType(ContentType.JSON)
                .body("{\"username\":\"" + user + "\",\"password\":\"" + TestUsers.PASSWORD + "\"}")
                .post("/api/auth/login").then().statusCode(200).extract().cookie(LabAuthMechanism.SESSION_COOKIE);
        String self = RestAssured.baseURI + ":" + RestAssured.port;
        Response wrong = given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", self)
                .contentType(ContentType.JSON).body("{\"currentPassword\":\"not-it-at-all\",\"password\":\"x-long-new-pw\"}")
                .post("/api/auth/password");
        assertEquals(400, wrong.statusCode(), wrong.asString());
        assertEquals("currentPassword", wrong.jsonPath().getString("field"));
        Response shortOne = given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", self)
                .contentType(ContentType.JSON).body("{\"currentPassword\":\"" + TestUsers.PASSWORD
                        + "\",\"password\":\"short\"}").post("/api/auth/password");
        assertEquals(400, shortOne.statusCode(), shortOne.asString());
        assertEquals("password", shortOne.jsonPath().getString("field"));
        // from another origin with the cookie: refused like every cookie write (CSRF)
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", "http://evil.example")
                .contentType(ContentType.JSON).body("{\"currentPassword\":\"" + TestUsers.PASSWORD
                        + "\",\"password\":\"evil-new-password\"}").post("/api/auth/password").then().statusCode(403);
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).header("Origin", self).contentType(ContentType.JSON)
                .body("{\"currentPassword\":\"" + TestUsers.PASSWORD + "\",\"password\":\"my-own-password\"}")
                .post("/api/auth/password").then().statusCode(204);
        // the session ended; the old password is refused, the new one works; the API token still works
        given().cookie(LabAuthMechanism.SESSION_COOKIE, cookie).get("/api/experiments").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{\"username\":\"" + user + "\",\"password\":\"" + TestUsers.PASSWORD
                + "\"}").post("/api/auth/login").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{\"username\":\"" + user + "\",\"password\":\"my-own-password\"}")
                .post("/api/auth/login").then().statusCode(200);
        given().header("Authorization", "Bearer " + token).get("/api/auth/me").then().statusCode(200);
        assertEquals(1, sql.count("select count(*) from dashboard.lab_user where username = ? "
                + "and password_hash like '$2a$%'", user));
    }

    @Test
    void passwordsAreStoredAsBcryptHashes() {
        TestUsers.token("mx-alice", Roles.RESEARCHER);
        assertEquals(1, sql.count("select count(*) from dashboard.lab_user where username = 'mx-alice' "
                + "and password_hash like '$2a$%'", null));
        assertEquals(0, sql.count("select count(*) from dashboard.lab_user where password_hash like ?",
                "%" + TestUsers.PASSWORD + "%"));
    }

    @Test
    void ownersAndAdminsEditRunsOthersCannot() {
        String run = aliceRun();
        Response renamed = as("researcher").contentType(ContentType.JSON)
                .body("{\"name\":\"<img src=x onerror=alert(1)>\",\"tags\":[\"a\",\"b\"]}")
                .patch("/api/experiments/" + run);
        assertEquals(200, renamed.statusCode(), renamed.asString());
        assertEquals("<img src=x onerror=alert(1)>", renamed.jsonPath().getString("name"), "stored as typed");
        assertEquals("mx-alice", renamed.jsonPath().getString("editedBy"));
        assertNotNull(renamed.jsonPath().getString("editedAt"));
        assertEquals("mx-alice", renamed.jsonPath().getString("owner"));
        as("other").contentType(ContentType.JSON).body("{\"name\":\"taken\"}").patch("/api/experiments/" + run)
                .then().statusCode(403);
        as("researcher").contentType(ContentType.JSON).body("{\"body\":\"# result\\n<b>bold</b>\"}")
                .post("/api/experiments/" + run + "/notes").then().statusCode(201);
        Response notes = as("viewer").get("/api/experiments/" + run + "/notes");
        assertEquals("mx-alice", notes.jsonPath().getString("[0].author"));
        assertEquals("# result\n<b>bold</b>", notes.jsonPath().getString("[0].body"));
        // mine: alice sees her run, bob does not
        assertTrue(ids(as("researcher").get("/api/experiments?mine=true&limit=500")).contains(run));
        assertFalse(ids(as("other").get("/api/experiments?mine=true&limit=500")).contains(run));
        // archive: bob cannot, alice can; then it is gone from lists and GET, its rows kept
        as("other").delete("/api/experiments/" + run).then().statusCode(403);
        as("researcher").delete("/api/experiments/" + run).then().statusCode(204);
        assertFalse(ids(as("admin").get("/api/experiments?limit=500")).contains(run));
        as("admin").get("/api/experiments/" + run).then().statusCode(404);
        assertEquals(1, sql.count("select count(*) from dashboard.experiment where id = ?::uuid", run));
    }

    @Test
    void limitsAreRefusedWithTheLimitNamed() {
        Response longName = as("researcher").contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"overrides\":{\"name\":\"" + "n".repeat(201) + "\"}}")
                .post("/api/experiments");
        assertEquals(400, longName.statusCode(), longName.asString());
        assertTrue(longName.jsonPath().getString("error").contains("lab.limits.name-length"));
        Response nul = as("researcher").contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"overrides\":{\"name\":\"a\\u0000b\"}}").post("/api/experiments");
        assertEquals(400, nul.statusCode(), nul.asString());
        assertEquals("name", nul.jsonPath().getString("field"));
        StringBuilder grid = new StringBuilder("{\"preset\":\"xor\",\"grid\":{");
        for (int i = 0; i < 20; i++) {
            grid.append(i == 0 ? "" : ",").append("\"seed").append(i).append("\":[1,2,3,4,5,6,7,8,9,10]");
        }
        Response huge = as("researcher").contentType(ContentType.JSON).body(grid + "}}").post("/api/experiments");
        assertEquals(400, huge.statusCode(), huge.asString());
        assertEquals("grid", huge.jsonPath().getString("field"));
        assertTrue(huge.jsonPath().getString("error").contains("lab.limits.sweep-points"));
        String run = aliceRun();
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 33; i++) {
            many.add("\"t" + i + "\"");
        }
        Response tags = as("researcher").contentType(ContentType.JSON).body("{\"tags\":[" + String.join(",", many)
                + "]}").patch("/api/experiments/" + run);
        assertEquals(400, tags.statusCode(), tags.asString());
        assertTrue(tags.jsonPath().getString("error").contains("lab.limits.tags"));
        Response note = as("researcher").contentType(ContentType.JSON)
                .body("{\"body\":\"" + "x".repeat(20001) + "\"}").post("/api/experiments/" + run + "/notes");
        assertEquals(400, note.statusCode());
        assertTrue(note.jsonPath().getString("error").contains("lab.limits.note-length"));
        Response big = as("researcher").contentType(ContentType.JSON)
                .body("{\"preset\":\"xor\",\"overrides\":{\"tags\":[\"" + "y".repeat(1_100_000) + "\"]}}")
                .post("/api/experiments");
        assertEquals(413, big.statusCode());
        assertEquals("body", big.jsonPath().getString("field"));
    }
}
