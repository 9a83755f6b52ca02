package org.interplab.dashboard.security;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.NewCookie;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The session cookie, the same for a password login, the first admin's setup and an OIDC login: HttpOnly,
 * SameSite=Strict, Path=/, the session's lifetime, Secure with lab.auth.secure-cookie.
 */
@ApplicationScoped
public class SessionCookies {
    @ConfigProperty(name = "lab.auth.session-ttl", defaultValue = "P7D")
    Duration sessionTtl;

    @ConfigProperty(name = "lab.auth.secure-cookie", defaultValue = "false")
    boolean secureCookie;

    /** The cookie that carries a new session's secret. */
    public NewCookie session(String secret) {
        return cookie(secret, (int) sessionTtl.toSeconds());
    }

    /** The cookie that clears the session at logout. */
    public NewCookie cleared() {
        return cookie("", 0);
    }

    private NewCookie cookie(String value, int maxAge) {
        return new NewCookie.Builder(LabAuthMechanism.SESSION_COOKIE).value(value).path("/").httpOnly(true)
                .secure(secureCookie).sameSite(NewCookie.SameSite.STRICT).maxAge(maxAge).build();
    }
}
