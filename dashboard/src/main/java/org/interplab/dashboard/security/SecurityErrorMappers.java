package org.interplab.dashboard.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** The role checks' refusals in the API's JSON error body: 401 for anonymous callers, 403 for too small a role. */
public class SecurityErrorMappers {

    @Inject
    SecurityIdentity identity;

    @ServerExceptionMapper({UnauthorizedException.class, AuthenticationFailedException.class})
    public Response unauthorized(RuntimeException e) {
        return AccessFilter.refuse(401, "log in, or send Authorization: Bearer <token>", null);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        String who = identity.isAnonymous() ? "anonymous" : identity.getPrincipal().getName() + " (roles "
                + identity.getRoles() + ")";
        return AccessFilter.refuse(403, who + " may not do this: it needs a researcher for own runs, an admin "
                + "for anything else" + (e.getMessage() == null ? "" : " (" + e.getMessage() + ")"), null);
    }
}
