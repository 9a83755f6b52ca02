package org.interplab.dashboard.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Supplier;
import org.interplab.dashboard.SqlCounts;
import org.interplab.dashboard.TestUsers;
import org.interplab.dashboard.entity.LabUser;
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
    @Test
    void anAdminUnlinksAnAccountAndTheNextLoginOfItsNameFromTheSameIssuerRelinksIt() {
        String oldSubject = subject();
        String name = name();
        String oldSession = accounts.oidcLogin(oldSubject, name, Roles.RESEARCHER, Roles.VIEWER);
        String id = given().get("/api/users").jsonPath().getString("find { it.username == '" + name + "' }.id");
        // the provider's account is deleted and created again: a new subject under the same name is refused
        String newSubject = subject();
        assertEquals(403, refused(() -> accounts.oidcLogin(newSubject, name, Roles.RESEARCHER, Roles.VIEWER))
                .status());
        // an admin (the test's default caller, "tester") unlinks it: its sessions end, nothing else changes
        Response unlinked = given().post("/api/users/" + id + "/unlink-oidc");
        assertEquals(200, unlinked.statusCode(), unlinked.asString());
        assertEquals("oidc-unlinked", unlinked.jsonPath().getString("login"));
        assertEquals("tester", unlinked.jsonPath().getString("unlinkedBy"));
        assertEquals(Roles.RESEARCHER, unlinked.jsonPath().getString("role"));
        assertEquals(false, me(oldSession).jsonPath().getBoolean("authenticated"), "its sessions ended");
        Response again = given().post("/api/users/" + id + "/unlink-oidc");
        assertEquals(400, again.statusCode(), again.asString());
        assertEquals("login", again.jsonPath().getString("field"));
        // a subject of another issuer with that name does not take it
        assertEquals(403, refused(() -> accounts.oidcLogin("http://other.idp/realms/lab " + UUID.randomUUID(), name,
                Roles.ADMIN, Roles.VIEWER)).status());
        // the new subject of the same issuer logging in with the account's name: linked to the same account
        String session = accounts.oidcLogin(newSubject, name, Roles.VIEWER, Roles.VIEWER);
        assertEquals(name, me(session).jsonPath().getString("username"));
        assertEquals(Roles.VIEWER, me(session).jsonPath().getString("role"), "the provider's groups, as always");
        assertEquals(1, sql.count("select count(*) from dashboard.lab_user where oidc_subject = '" + newSubject
                + "' and oidc_relink_issuer is null and id = ?::uuid", id));
        assertEquals("oidc", given().get("/api/users").jsonPath()
                .getString("find { it.username == '" + name + "' }.login"));
        // the old subject is nobody's now, and the name is taken again
        assertEquals(403, refused(() -> accounts.oidcLogin(oldSubject, name, Roles.RESEARCHER, Roles.VIEWER))
                .status());
        // audited: who unlinked which subject, and which subject relinked
        Response audit = given().get("/api/users/" + id + "/audit");
        assertEquals(200, audit.statusCode(), audit.asString());
        assertEquals(java.util.List.of("oidc-unlinked", "oidc-relinked"), audit.jsonPath().getList("action"));
        assertEquals(java.util.List.of("tester", name), audit.jsonPath().getList("actor"));
        assertEquals(java.util.List.of(oldSubject, newSubject), audit.jsonPath().getList("subject"));
    }

    @Test
    void onlyLinkedAccountsAreUnlinkedAndARelinkExpires() {
        // a password account has nothing to unlink
        TestUsers.token("oidc-password-user", Roles.VIEWER);
        String local = given().get("/api/users").jsonPath()
                .getString("find { it.username == 'oidc-password-user' }.id");
        Response refusedUnlink = given().post("/api/users/" + local + "/unlink-oidc");
        assertEquals(400, refusedUnlink.statusCode(), refusedUnlink.asString());
        assertEquals("login", refusedUnlink.jsonPath().getString("field"));
        assertEquals(404, given().post("/api/users/" + UUID.randomUUID() + "/unlink-oidc").statusCode());
        // unlinked longer ago than lab.auth.oidc.relink-window (7 days): the new subject is refused
        String name = name();
        accounts.oidcLogin(subject(), name, null, Roles.VIEWER);
        String id = given().get("/api/users").jsonPath().getString("find { it.username == '" + name + "' }.id");
        given().post("/api/users/" + id + "/unlink-oidc").then().statusCode(200);
        QuarkusTransaction.requiringNew().run(() -> LabUser.update("oidcUnlinkedAt = ?1 where id = ?2",
                Instant.now().minus(Duration.ofDays(8)), UUID.fromString(id)));
        ApiException expired = refused(() -> accounts.oidcLogin(subject(), name, null, Roles.VIEWER));
        assertEquals(403, expired.status());
        assertTrue(expired.getMessage().contains("lab.auth.oidc.relink-window"), expired.getMessage());
        // nor is it a password account meanwhile: role and password stay the provider's business
        Response password = given().contentType(ContentType.JSON).body("{\"password\":\"long-enough-pw\"}")
                .patch("/api/users/" + id);
        assertEquals(400, password.statusCode(), password.asString());
    }
}
