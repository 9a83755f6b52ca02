package org.interplab.dashboard.security;

import io.quarkus.logging.Log;
import io.quarkus.oidc.OidcSession;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import org.eclipse.microprofile.jwt.JsonWebToken;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.rest.ApiException;

/**
 * The optional OIDC login (docs/security.md, "OIDC"). The login page's "Log in with …" button navigates here;
 * quarkus-oidc runs the authorization-code flow for this one path (application.properties: the rule
 * {@code oidc-login} selects its {@code code} mechanism; its cookies are scoped to /api/auth/oidc), so when this
 * method runs the caller has just logged in at the identity provider. It then provisions or updates the lab account
 * (AccountService.oidcLogin), starts an ordinary lab session (the same cookie as a password login, so the same
 * CSRF rules), ends quarkus-oidc's own session (it authenticates nothing else) and sends the browser to the web UI;
 * a refusal goes to the login page as {@code /?login-error=…}.
 */
@Path("/api/auth/oidc")
public class OidcLoginResource {

    @Inject
    OidcSettings oidc;

    @Inject
    AccountService accounts;

    @Inject
    SessionCookies cookies;

    @Inject
    OidcSession oidcSession;

    @GET
    @Path("login")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Log in through the identity provider (browser navigation; 404 when OIDC login is off)")
    public Response login() {
        if (!oidc.enabled()) {
            throw ApiException.notFound("OIDC login is off: set LAB_OIDC_ISSUER, LAB_OIDC_CLIENT_ID and "
                    + "LAB_OIDC_CLIENT_SECRET (docs/security.md)");
        }
        JsonWebToken idToken = oidcSession.getIdToken();
        try {
            String session = accounts.oidcLogin(idToken.getIssuer() + " " + idToken.getSubject(),
                    oidc.username(idToken), oidc.mappedRole(idToken), oidc.defaultRole());
            return Response.seeOther(URI.create("/")).cookie(cookies.session(session)).build();
        } catch (ApiException refused) {
            Log.infof("OIDC login of %s refused: %s", idToken.getSubject(), refused.getMessage());
            return Response.seeOther(URI.create("/?login-error="
                    + URLEncoder.encode(refused.getMessage(), StandardCharsets.UTF_8))).build();
        } finally {
            oidcSession.logout().await().indefinitely();
        }
    }
}
