package org.interplab.dashboard.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import jakarta.json.Json;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How an ID token's claim values map to a lab role (OIDC login), without a provider. */
class OidcSettingsTest {
    static final List<String> ADMINS = List.of("lab-admins");
    static final List<String> RESEARCHERS = List.of("lab-researchers", "ml-team");

    @Test
    void adminGroupsWinOverResearcherGroupsAndUnmappedGroupsMapToNothing() {
        assertEquals(Roles.ADMIN, OidcSettings.mappedRole(List.of("ml-team", "lab-admins"), ADMINS, RESEARCHERS));
        assertEquals(Roles.RESEARCHER, OidcSettings.mappedRole(List.of("staff", "ml-team"), ADMINS, RESEARCHERS));
        assertNull(OidcSettings.mappedRole(List.of("staff"), ADMINS, RESEARCHERS));
        assertNull(OidcSettings.mappedRole(List.of(), ADMINS, RESEARCHERS));
        // a value is matched whole and with its case: a prefix or another case is no membership
        assertNull(OidcSettings.mappedRole(List.of("lab-admin", "LAB-ADMINS"), ADMINS, RESEARCHERS));
    }

    @Test
    void claimValuesAreReadFromArraysStringsSetsAndNestedPaths() {
        assertEquals(List.of("a", "b"), OidcSettings.claimValues(
                Json.createArrayBuilder().add("a").add("b").build(), "groups"));
        assertEquals(List.of("lab-admins"), OidcSettings.claimValues(Json.createValue("lab-admins"), "groups"));
        assertEquals(List.of("x"), OidcSettings.claimValues(Set.of("x"), "groups"));
        // Keycloak's realm roles: {"realm_access": {"roles": [...]}}, configured as realm_access/roles
        assertEquals(List.of("lab-researchers"), OidcSettings.claimValues(Json.createObjectBuilder()
                .add("roles", Json.createArrayBuilder().add("lab-researchers")).build(), "realm_access/roles"));
        assertEquals(List.of(), OidcSettings.claimValues(null, "groups"));
        assertEquals(List.of(), OidcSettings.claimValues(Json.createObjectBuilder().build(), "realm_access/roles"));
    }
}
