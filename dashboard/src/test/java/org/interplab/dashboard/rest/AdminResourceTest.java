package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.dashboard.TestUsers;
import org.interplab.dashboard.security.Roles;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admin operations endpoints (failed analysis jobs, dead letters): admins only, bad parameters refused with the
 * field named before anything is passed on. In this profile the analysis service is absent (lab.analysis.url points
 * at a closed port), so an admin's well-formed call is answered 503 "unreachable" — past every access check; the
 * pass-through itself runs against the real analysis service in the browser test admin.test.mjs.
 */
@QuarkusTest
class AdminResourceTest {
    static final List<String> CALLERS = List.of("anonymous", "viewer", "researcher", "admin");

    @BeforeEach
    void noDefaultCaller() {
        TestUsers.anonymousByDefault();
    }

    static RequestSpecification as(String caller) {
        return switch (caller) {
            case "anonymous" -> given();
            case "viewer" -> given().header("Authorization", TestUsers.bearer("adm-viewer", Roles.VIEWER));
            case "researcher" -> given().header("Authorization", TestUsers.bearer("adm-alice", Roles.RESEARCHER));
            case "admin" -> given().header("Authorization", TestUsers.bearer("adm-admin", Roles.ADMIN));
            default -> throw new IllegalArgumentException(caller);
        };
    }

    @Test
    void onlyAdminsReachTheOperationsEndpoints() {
        String checkpoint = UUID.randomUUID().toString();
        List<String[]> endpoints = List.of(
                new String[] {"GET", "/api/admin/analysis-jobs"},
                new String[] {"GET", "/api/admin/analysis-jobs?status=FAILED&limit=50"},
                new String[] {"GET", "/api/admin/analysis-jobs/" + checkpoint},
                new String[] {"POST", "/api/admin/analysis-jobs/" + checkpoint + "/retry"},
                new String[] {"GET", "/api/admin/dead-letters"},
                new String[] {"POST", "/api/admin/dead-letters/0/12/replay"});
        int[] expected = {401, 403, 403, 503};
        Map<String, String> failures = new LinkedHashMap<>();
        for (String[] e : endpoints) {
            for (int c = 0; c < CALLERS.size(); c++) {
                Response r = as(CALLERS.get(c)).request(e[0], e[1]);
                boolean ok = r.statusCode() == expected[c] && r.contentType().startsWith("application/json")
                        && r.jsonPath().getString("error") != null;
                if (expected[c] == 503) {
                    ok &= r.jsonPath().getString("error").contains("analysis-service is unreachable");
                }
                if (!ok) {
                    failures.put(e[0] + " " + e[1] + " as " + CALLERS.get(c),
                            "expected " + expected[c] + ", got " + r.statusCode() + " " + r.asString());
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.toString());
    }

    @Test
    void badParametersAreRefusedWithTheFieldNamed() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"GET", "/api/admin/analysis-jobs?status=BROKEN", "status"});
        rows.add(new String[] {"GET", "/api/admin/analysis-jobs?limit=0", "limit"});
        rows.add(new String[] {"GET", "/api/admin/analysis-jobs?limit=1001", "limit"});
        rows.add(new String[] {"GET", "/api/admin/analysis-jobs?limit=abc", "limit"});
        rows.add(new String[] {"GET", "/api/admin/analysis-jobs/not-a-uuid", "checkpointId"});
        rows.add(new String[] {"POST", "/api/admin/analysis-jobs/not-a-uuid/retry", "checkpointId"});
        rows.add(new String[] {"GET", "/api/admin/dead-letters?limit=-1", "limit"});
        rows.add(new String[] {"GET", "/api/admin/dead-letters?limit=1e3", "limit"});
        rows.add(new String[] {"POST", "/api/admin/dead-letters/x/1/replay", "partition"});
        rows.add(new String[] {"POST", "/api/admin/dead-letters/-1/1/replay", "partition"});
        rows.add(new String[] {"POST", "/api/admin/dead-letters/0/-5/replay", "offset"});
        rows.add(new String[] {"POST", "/api/admin/dead-letters/0/99999999999999999999/replay", "offset"});
        for (String[] row : rows) {
            Response r = as("admin").request(row[0], row[1]);
            assertEquals(400, r.statusCode(), row[1] + ": " + r.asString());
            assertEquals(row[2], r.jsonPath().getString("field"), row[1] + ": " + r.asString());
        }
    }
}
