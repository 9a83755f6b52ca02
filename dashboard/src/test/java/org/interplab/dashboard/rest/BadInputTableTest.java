package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.interplab.dashboard.SqlCounts;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A table of bad inputs across the dashboard's endpoints, sent as an admin (every check past access control): each
 * row is answered with its 4xx, the JSON error body and the field it names, and stores nothing (the rows of every
 * table a write could touch are counted before and after).
 */
@QuarkusTest
class BadInputTableTest {
    private static final String JSON = "application/json";

    @Inject
    SqlCounts sql;

    /** Spec fields of the xor preset and, for each, the values that are not a valid number of that field. */
    private static final List<String> NUMERIC_FIELDS = List.of("training.lr", "training.beta1", "training.beta2",
            "training.weightDecay", "training.steps", "training.batchSize", "training.warmupSteps", "model.nHeads",
            "model.dModel", "model.nLayers", "model.dHead");
    private static final List<String> INTEGER_FIELDS = List.of("training.steps", "training.batchSize",
            "training.warmupSteps", "model.nHeads", "model.dModel", "model.nLayers", "model.dHead");
    private static final List<String> NOT_A_NUMBER = List.of("\"abc\"", "true", "[1]", "{\"x\":1}", "\"-Infinity\"",
            "1e400");

    /** {"a":{"b":value}} for the path "a.b". */
    private static String nested(String path, String value) {
        String[] parts = path.split("\\.");
        StringBuilder s = new StringBuilder();
        for (String p : parts) {
            s.append("{\"").append(p).append("\":");
        }
        s.append(value);
        s.append("}".repeat(parts.length));
        return s.toString();
    }

    private static Arguments row(String method, String path, String contentType, String body, int status,
                                 String field) {
        return Arguments.of(method, path, contentType, body, status, field);
    }

    private static Arguments override(String path, String value, String field) {
        return row("POST", "/api/experiments", JSON,
                "{\"preset\":\"xor\",\"seed\":1,\"overrides\":" + nested(path, value) + "}", 400, field);
    }

    static Stream<Arguments> badInputs() {
        List<Arguments> rows = new ArrayList<>();
        // spec numbers: wrong JSON types, non-finite and out-of-range values (the SpecValidatorTest battery's
        // neighbours, here through the HTTP API)
        for (String field : NUMERIC_FIELDS) {
            for (String value : NOT_A_NUMBER) {
                rows.add(override(field, value, field));
            }
        }
        for (String field : INTEGER_FIELDS) {
            rows.add(override(field, "-5", field));
            rows.add(override(field, "2.5", field));
        }
        // the request body itself
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"no-such-preset\"}", 400, "preset"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"sede\":1}", 400, "sede"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"seed\":\"x\"}", 400, "seed"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"overrides\":{\"name\":\"a\\u0000b\"}}",
                400, "name"));
        rows.add(row("POST", "/api/experiments", JSON,
                "{\"preset\":\"xor\",\"overrides\":{\"name\":\"" + "n".repeat(201) + "\"}}", 400, "name"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"overrides\":{\"model\":{\"nHedas\":2}}}",
                400, "model.nHedas"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"overrides\":{\"model\":"
                + "{\"attnTypes\":[\"sideways\"]}}}", 400, "model.attnTypes[0]"));
        rows.add(row("POST", "/api/experiments", "application/x-www-form-urlencoded", "preset=xor", 415,
                "Content-Type"));
        // sweeps (a grid in the same request)
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"grid\":[1,2]}", 400, "grid"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"grid\":{\"model\":{\"nHeads\":[1]}}}",
                400, "grid.model"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"grid\":{\"seed\":[]}}", 400,
                "grid.seed"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"grid\":{\"model.dropot\":[0.1]}}",
                400, "grid.model.dropot"));
        rows.add(row("POST", "/api/experiments", JSON, "{\"preset\":\"xor\",\"grid\":{\"model.nHeads\":[1,0]}}",
                400, "grid.model.nHeads[1]"));
        // path and query parameters
        rows.add(row("GET", "/api/experiments?status=SLEEPING", null, null, 400, "status"));
        rows.add(row("GET", "/api/experiments?limit=abc", null, null, 400, "limit"));
        rows.add(row("GET", "/api/experiments/not-a-uuid", null, null, 400, "id"));
        rows.add(row("GET", "/api/experiments/compare", null, null, 400, "ids"));
        rows.add(row("GET", "/api/sweeps/xyz", null, null, 400, "id"));
        rows.add(row("POST", "/api/sweeps/not-a-uuid/cancel", null, null, 400, "id"));
        rows.add(row("GET", "/api/checkpoints?source=bogus", null, null, 400, "source"));
        rows.add(row("GET", "/api/checkpoints?limit=0", null, null, 400, "limit"));
        rows.add(row("GET", "/api/checkpoints/nope", null, null, 400, "checkpointId"));
        rows.add(row("GET", "/api/admin/analysis-jobs?status=BROKEN", null, null, 400, "status"));
        rows.add(row("GET", "/api/admin/analysis-jobs?limit=0", null, null, 400, "limit"));
        rows.add(row("POST", "/api/admin/analysis-jobs/not-a-uuid/retry", null, null, 400, "checkpointId"));
        rows.add(row("POST", "/api/admin/dead-letters/x/1/replay", null, null, 400, "partition"));
        rows.add(row("POST", "/api/admin/dead-letters/0/-5/replay", null, null, 400, "offset"));
        return rows.stream();
    }

    @ParameterizedTest(name = "[{index}] {0} {1} {3} → {4} {5}")
    @MethodSource("badInputs")
    void isRefusedWithItsFieldAndStoresNothing(String method, String path, String contentType, String body,
                                                int status, String field) {
        long[] before = counts();
        RequestSpecification request = given();
        if (contentType != null) {
            request = request.contentType(contentType);
        }
        if (body != null) {
            request = request.body(body);
        }
        Response r = request.request(method, path);
        assertEquals(status, r.statusCode(), r.asString());
        assertTrue(r.contentType().startsWith(JSON), r.contentType());
        assertNotNull(r.jsonPath().getString("error"), r.asString());
        assertEquals(field, r.jsonPath().getString("field"), r.asString());
        assertArrayEquals(before, counts(), "rows of experiment, sweep, outbox, experiment_note");
        PASSED.merge(status, 1, Integer::sum);
    }

    /** Rows that passed, by status (the figure line after the table). */
    private static final java.util.Map<Integer, Integer> PASSED = new java.util.concurrent.ConcurrentSkipListMap<>();

    @org.junit.jupiter.api.AfterAll
    static void figure() {
        java.util.Map<Integer, Long> expected = new java.util.TreeMap<>(badInputs().collect(
                java.util.stream.Collectors.groupingBy(a -> (Integer) a.get()[4], java.util.stream.Collectors.counting())));
        System.out.printf("FIGURE BadInputTableTest: %d/%d bad inputs refused with their status, JSON error and "
                        + "field, each storing nothing (passed by status %s of %s)%n",
                PASSED.values().stream().mapToInt(Integer::intValue).sum(), badInputs().count(), PASSED, expected);
    }

    @org.junit.jupiter.api.Test
    void theTableHasAtLeastAHundredRows() {
        assertTrue(badInputs().count() >= 100, "rows: " + badInputs().count());
    }

    private long[] counts() {
        return new long[] {sql.count("select count(*) from dashboard.experiment", null),
                sql.count("select count(*) from dashboard.sweep", null),
                sql.count("select count(*) from dashboard.outbox", null),
                sql.count("select count(*) from dashboard.experiment_note", null)};
    }
}
