package org.interplab.dashboard.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.UUID;
import java.util.function.Supplier;
import org.interplab.dashboard.SqlCounts;
import org.interplab.dashboard.TestUsers;
import org.interplab.dashboard.rest.ApiException;
import org.junit.jupiter.api.Test;

/**
 * The OIDC login's accounts through the real AccountService and database (the provider's half, the
 * authorization-code flow, is tested against a real Keycloak in e2e-tests/browser/test/oidc.test.mjs), and the
 * extension being present but off in this profile: the local logins and tokens of every other test keep working.
 */
@QuarkusTest
class OidcAccountsTest {
    static final String ISSUER = "http://idp.test/realms/lab";

    @Inject
    AccountService accounts;

    @Inject
    SqlCounts sql;

    static String subject() {
        return ISSUER + " " + UUID.randomUUID();
    }

    static String name() {
        return "oidc-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static ApiException refused(Supplier<?> call) {
        try {
            call.get();
        } catch (ApiException e) {
            return e;
        }
        throw new AssertionError("not refused");
    }

    static Response me(String session) {
        return given().header("Authorization", "").cookie(LabAuthMechanism.SESSION_COOKIE, session)
                .get("/api/auth/me");
    }

    @Test
    void offInThisProfile() {
        TestUsers.anonymousByDefault();
        Response login = given().get("/api/auth/oidc/login");
        assertEquals(404, login.statusCode(), login.asString());
        assertTrue(login.jsonPath().getString("error").contains("LAB_OIDC_ISSUER"), login.asString());
        Response me = given().get("/api/auth/me");
        assertEquals(200, me.statusCode());
        assertNull(me.jsonPath().getString("oidcLogin"), "no 'Log in with …' button");
    }

    @Test
    void theFirstLoginProvisionsAnAccountWhoseSessionIsAnOrdinaryLabSession() {
        String subject = subject();
        String name = name();
        String session = accounts.oidcLogin(subject, name, Roles.RESEARCHER, Roles.VIEWER);
        Response me = me(session);
        assertEquals(name, me.jsonPath().getString("username"), me.asString());
        assertEquals(Roles.RESEARCHER, me.jsonPath().getString("role"));
        assertEquals(1, sql.count("select count(*) from dashboard.lab_user where oidc_subject = ? "
                + "and password_hash is null", subject));
        // a second login is the same account, not a new one
        accounts.oidcLogin(subject, name, Roles.RESEARCHER, Roles.VIEWER);
        assertEquals(1, sql.count("select count(*) from dashboard.lab_user where oidc_subject = ?", subject));
        // no lab password: a password login as that user is refused like a wrong password
        Response password = given().header("Authorization", "").contentType(ContentType.JSON)
                .body("{\"username\":\"" + name + "\",\"password\":\"anything-at-all\"}").post("/api/auth/login");
        assertEquals(401, password.statusCode());
        assertEquals("password", password.jsonPath().getString("field"));
    }

    @Test
    void theProviderSetsTheRoleAtEveryLoginAndTheLabRefusesToChangeIt() {
        String subject = subject();
        String name = name();
        accounts.oidcLogin(subject, name, null, Roles.VIEWER);
        assertEquals(Roles.VIEWER, me(accounts.oidcLogin(subject, name, null, Roles.VIEWER)).jsonPath()
                .getString("role"), "no mapped group: the default role");
        assertEquals(Roles.ADMIN, me(accounts.oidcLogin(subject, name, Roles.ADMIN, Roles.VIEWER)).jsonPath()
                .getString("role"), "added to the admin group at the provider: an admin at the next login");
        assertEquals(Roles.VIEWER, me(accounts.oidcLogin(subject, name, null, Roles.VIEWER)).jsonPath()
                .getString("role"), "removed from the group: back to the default at the next login");
        // the provider decides: an admin cannot change that account's role (or give it a password) in the lab
        String id = given().get("/api/users").jsonPath()
                .getString("find { it.username == '" + name + "' }.id");
        Response promote = given().contentType(ContentType.JSON).body("{\"role\":\"researcher\"}")
                .patch("/api/users/" + id);
        assertEquals(400, promote.statusCode(), promote.asString());
        assertEquals("role", promote.jsonPath().getString("field"));
        Response password = given().contentType(ContentType.JSON).body("{\"password\":\"long-enough-pw\"}")
                .patch("/api/users/" + id);
        assertEquals(400, password.statusCode());
        assertEquals("password", password.jsonPath().getString("field"));
        assertEquals("oidc", given().get("/api/users").jsonPath()
                .getString("find { it.username == '" + name + "' }.login"));
        // a lab admin can still disable the account: its next OIDC login is refused
        given().contentType(ContentType.JSON).body("{\"disabled\":true}").patch("/api/users/" + id)
                .then().statusCode(200);
        assertEquals(403, refused(() -> accounts.oidcLogin(subject, name, Roles.ADMIN, Roles.VIEWER)).status());
    }

    @Test
    void refusedWithoutARoleWithAForeignUsernameOrATakenOne() {
        // default role "none" and no mapped group: refused, nothing provisioned
        String subject = subject();
        assertEquals(403, refused(() -> accounts.oidcLogin(subject, name(), null, null)).status());
        assertEquals(0, sql.count("select count(*) from dashboard.lab_user where oidc_subject = ?", subject));
        // a username the lab does not accept
        assertEquals(403, refused(() -> accounts.oidcLogin(subject(), "Rita Smith", null, Roles.VIEWER)).status());
        assertEquals(403, refused(() -> accounts.oidcLogin(subject(), null, null, Roles.VIEWER)).status());
        // a provider user named like a local account does not take it over (nor its role)
        TestUsers.token("oidc-local-admin", Roles.ADMIN);
        ApiException taken = refused(() -> accounts.oidcLogin(subject(), "oidc-local-admin", null, Roles.VIEWER));
        assertEquals(403, taken.status());
        assertTrue(taken.getMessage().contains("another lab account"), taken.getMessage());
    }
}
