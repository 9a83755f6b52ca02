package org.interplab.dashboard;

import io.quarkus.arc.Arc;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.restassured.RestAssured;
import io.restassured.builder.RequestSpecBuilder;
import io.restassured.specification.RequestSpecification;
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

    /** A request spec with the user's bearer token. */
    public static RequestSpecification as(String username, String role) {
        return new RequestSpecBuilder().addHeader("Authorization", "Bearer " + token(username, role)).build();
    }

    /** Every REST Assured call of the test signs in as the admin "tester" (see SignedInByDefault). */
    public static void signInByDefault() {
        RestAssured.requestSpecification = as("tester", "admin");
    }
}
