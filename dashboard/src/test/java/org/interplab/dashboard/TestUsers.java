package org.interplab.dashboard;

import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.RestAssured;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.interplab.dashboard.entity.LabUser;
import org.interplab.dashboard.security.AccountService;

/**
 * Test helper: users of each role (created once in the test database, password {@link #PASSWORD}) and API tokens
 * for them, through the real AccountService.
 */
public final class TestUsers {
    public static final String PASSWORD = "test-password-1";
    private static final Map<String, String> TOKENS = new ConcurrentHashMap<>();

    private TestUsers() {
    }

    /** The user (created with this role if missing) and a fresh API token of theirs, cached per test JVM. */
    public static String token(String username, String role) {
        return TOKENS.computeIfAbsent(username + "/" + role, k -> {
            AccountService accounts = Arc.container().instance(AccountService.class).get();
            QuarkusTransaction.requiringNew().run(() -> {
                LabUser existing = LabUser.find("username", username).firstResult();
                if (existing == null) {
                    accounts.create(username, PASSWORD, role);
                } else {
                    existing.role = role;
                    existing.disabled = false;
                }
            });
            return accounts.createToken(username, "test").secret();
        });
    }

    /** The Authorization header value for the user. */
    public static String bearer(String username, String role) {
        return "Bearer " + token(username, role);
    }

    /** The token every REST Assured call without an Authorization header carries, or null for none. */
    static volatile String defaultBearer;

    /**
     * Every REST Assured call of the test that sends no Authorization header of its own signs in as the admin
     * "tester" (see SignedInByDefault); a filter, so that the URL Quarkus gives REST Assured is left alone.
     */
    public static void signInByDefault() {
        defaultBearer = bearer("tester", "admin");
        RestAssured.replaceFiltersWith((request, response, ctx) -> {
            String bearer = defaultBearer;
            if (bearer != null && !request.getHeaders().hasHeaderWithName("Authorization")) {
                request.header("Authorization", bearer);
            }
            return ctx.next(request, response);
        });
    }

    /** Calls without an Authorization header go anonymous (authorization tests). */
    public static void anonymousByDefault() {
        defaultBearer = null;
    }
}
