package org.interplab.dashboard.security;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * Who is calling: an API token ({@code Authorization: Bearer lab_…}) or the session cookie set at login. No
 * credential means anonymous; a wrong or revoked token is refused (401, by AccessFilter), a stale session cookie counts as anonymous
 * so that the web UI can still load its login page.
 */
@ApplicationScoped
public class LabAuthMechanism implements HttpAuthenticationMechanism {
    public static final String SESSION_COOKIE = "lab_session";
    static final String BEARER = "bearer";
    static final String SESSION = "session";
    /** Routing-context key set when a bearer token was sent but is unknown or revoked. */
    static final String BAD_TOKEN = "lab.bad-token";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        String authorization = context.request().getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            String token = authorization.substring(7).strip();
            // a refused token is answered by AccessFilter with the API's JSON 401, so it goes on as anonymous
            return identities.authenticate(new LabCredentialRequest(BEARER, token))
                    .onFailure().recoverWithItem(() -> {
                        context.put(BAD_TOKEN, Boolean.TRUE);
                        return null;
                    });
        }
        Cookie session = context.request().getCookie(SESSION_COOKIE);
        if (session != null && !session.getValue().isBlank()) {
            return identities.authenticate(new LabCredentialRequest(SESSION, session.getValue()))
                    .onFailure().recoverWithNull();
        }
        return Uni.createFrom().nullItem();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, null, null));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(LabCredentialRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, "bearer"));
    }
}
