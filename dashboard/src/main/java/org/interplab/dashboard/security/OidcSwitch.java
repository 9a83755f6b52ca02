package org.interplab.dashboard.security;

import java.util.Map;
import java.util.Set;
import org.eclipse.microprofile.config.spi.ConfigSource;

/**
 * Turns the optional OIDC login on exactly when an issuer is configured (env {@code LAB_OIDC_ISSUER}, which
 * application.properties passes on as {@code quarkus.oidc.auth-server-url}): it then enables quarkus-oidc's default tenant and the path rule that sends
 * {@code /api/auth/oidc/login} through the authorization-code flow. Its ordinal (200) is below application.properties
 * and the environment, so an explicit {@code quarkus.oidc.tenant-enabled} (the test profile's {@code false}) wins.
 */
public class OidcSwitch implements ConfigSource {
    static final String TENANT_ENABLED = "quarkus.oidc.tenant-enabled";
    static final String LOGIN_RULE_ENABLED = "quarkus.http.auth.permission.oidc-login.enabled";

    static boolean issuerConfigured() {
        String issuer = System.getenv("LAB_OIDC_ISSUER");
        return issuer != null && !issuer.isBlank();
    }

    @Override
    public Map<String, String> getProperties() {
        String enabled = Boolean.toString(issuerConfigured());
        return Map.of(TENANT_ENABLED, enabled, LOGIN_RULE_ENABLED, enabled);
    }

    @Override
    public Set<String> getPropertyNames() {
        return getProperties().keySet();
    }

    @Override
    public String getValue(String name) {
        return getProperties().get(name);
    }

    @Override
    public String getName() {
        return "lab-oidc-switch";
    }

    @Override
    public int getOrdinal() {
        return 200;
    }
}
