package org.interplab.dashboard.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.json.JsonArray;
import jakarta.json.JsonObject;
import jakarta.json.JsonString;
import jakarta.json.JsonValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * The optional OIDC login's settings (application.properties, "OIDC login") and how an ID token's claims become a
 * lab username and role: a user in one of the admin groups is an admin, in one of the researcher groups a
 * researcher, in neither the default role (viewer; "none" refuses them).
 */
@ApplicationScoped
public class OidcSettings {
    /** lab.auth.oidc.default-role value that refuses users whose groups map to no role. */
    static final String NONE = "none";

    @ConfigProperty(name = "quarkus.oidc.tenant-enabled", defaultValue = "false")
    boolean tenantEnabled;

    @ConfigProperty(name = "lab.auth.oidc.name", defaultValue = "your identity provider")
    String name;

    @ConfigProperty(name = "lab.auth.oidc.username-claim", defaultValue = "preferred_username")
    String usernameClaim;

    @ConfigProperty(name = "lab.auth.oidc.role-claim", defaultValue = "groups")
    String roleClaim;

    @ConfigProperty(name = "lab.auth.oidc.admin-groups", defaultValue = "lab-admins")
    List<String> adminGroups;

    @ConfigProperty(name = "lab.auth.oidc.researcher-groups", defaultValue = "lab-researchers")
    List<String> researcherGroups;

    @ConfigProperty(name = "lab.auth.oidc.default-role", defaultValue = Roles.VIEWER)
    String defaultRole;

    /** True when OIDC login is on: an issuer is configured (OidcSwitch), or quarkus-oidc's tenant was enabled. */
    public boolean enabled() {
        return tenantEnabled;
    }

    /** The login button's "Log in with …" name, or null when OIDC login is off. */
    public String buttonName() {
        return enabled() ? name : null;
    }

    /** The role a user with this ID token gets from its groups, or null when none of them is mapped. */
    public String mappedRole(JsonWebToken idToken) {
        return mappedRole(claimValues(idToken.getClaim(firstSegment()), roleClaim), adminGroups, researcherGroups);
    }

    /** The role for these claim values: admin before researcher; null when no value is mapped. */
    static String mappedRole(Collection<String> values, List<String> adminGroups, List<String> researcherGroups) {
        if (values.stream().anyMatch(adminGroups::contains)) {
            return Roles.ADMIN;
        }
        if (values.stream().anyMatch(researcherGroups::contains)) {
            return Roles.RESEARCHER;
        }
        return null;
    }

    /** The role of a new user with no mapped group: the configured default, or null for "none" (refused). */
    public String defaultRole() {
        return NONE.equals(defaultRole) ? null : defaultRole;
    }

    /** The lab username the ID token names (its username claim), or null when it has none. */
    public String username(JsonWebToken idToken) {
        Object value = idToken.getClaim(usernameClaim);
        List<String> values = claimValues(value, usernameClaim);
        return values.isEmpty() ? null : values.get(0);
    }

    private String firstSegment() {
        int slash = roleClaim.indexOf('/');
        return slash < 0 ? roleClaim : roleClaim.substring(0, slash);
    }

    /**
     * The string values of a claim: a string, an array of strings, or, for a path such as
     * {@code realm_access/roles}, the value under the nested keys of the claim's object.
     */
    static List<String> claimValues(Object claim, String path) {
        String[] keys = path.split("/");
        Object value = claim;
        for (int i = 1; i < keys.length && value != null; i++) {
            value = value instanceof JsonObject o ? o.get(keys[i])
                    : value instanceof Map<?, ?> m ? m.get(keys[i]) : null;
        }
        List<String> out = new ArrayList<>();
        if (value instanceof JsonArray array) {
            array.forEach(v -> add(out, v));
        } else if (value instanceof Collection<?> collection) {
            collection.forEach(v -> add(out, v));
        } else if (value != null) {
            add(out, value);
        }
        return out;
    }

    private static void add(List<String> out, Object v) {
        if (v instanceof JsonString s) {
            out.add(s.getString());
        } else if (v instanceof String s) {
            out.add(s);
        } else if (v != null && !(v instanceof JsonValue j && j.getValueType() == JsonValue.ValueType.NULL)) {
            out.add(v.toString());
        }
    }
}
