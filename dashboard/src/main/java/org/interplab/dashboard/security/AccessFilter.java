package org.interplab.dashboard.security;

import io.quarkus.security.identity.SecurityIdentity;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.Set;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.dashboard.rest.ErrorResponse;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Checks every API request before its endpoint runs (roles are checked by the endpoints' annotations):
 * <ul>
 *   <li>a bearer token that is unknown or revoked → 401;</li>
 *   <li>reads by anonymous callers → 401 unless {@code lab.auth.anonymous-read=true} (login and setup stay open);</li>
 *   <li>cross-site writes → 403: a write authenticated by the session cookie (or by nobody) must come from the
 *       dashboard's own origin (Origin, else Referer, equal to the Host it was sent to); token calls are exempt,
 *       since a browser never attaches a bearer token by itself;</li>
 *   <li>a JSON body over {@code lab.limits.request-body} → 413 (uploads have their own limit).</li>
 * </ul>
 */
public class AccessFilter {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");

    @Inject
    SecurityIdentity identity;

    @ConfigProperty(name = "lab.auth.anonymous-read", defaultValue = "false")
    boolean anonymousRead;

    @ConfigProperty(name = "lab.limits.request-body", defaultValue = "1048576")
    long maxRequestBody;

    @ServerRequestFilter(preMatching = true)
    public Response check(RoutingContext routing) {
        HttpServerRequest request = routing.request();
        String path = request.path();
        if (!path.startsWith("/api/")) {
            return null;
        }
        if (Boolean.TRUE.equals(routing.get(LabAuthMechanism.BAD_TOKEN))) {
            return refuse(401, "the bearer token is unknown or revoked", "Authorization");
        }
        String method = request.method().name();
        boolean open = path.startsWith("/api/auth/");
        if (SAFE.contains(method)) {
            if (identity.isAnonymous() && !anonymousRead && !open) {
                return refuse(401, "log in, or send Authorization: Bearer <token> (reads are not open to "
                        + "anonymous callers: lab.auth.anonymous-read=false)", null);
            }
            return null;
        }
        if (!LabAuthMechanism.BEARER.equals(identity.getAttribute(LabIdentityProvider.VIA))) {
            String refused = crossSite(request, identity.isAnonymous());
            if (refused != null) {
                return refuse(403, refused, "Origin");
            }
        }
        String length = request.getHeader("Content-Length");
        String type = request.getHeader("Content-Type");
        boolean upload = type != null && type.toLowerCase().startsWith(MediaType.MULTIPART_FORM_DATA);
        if (!upload && length != null && parse(length) > maxRequestBody) {
            return refuse(413, "the request body has " + length + " bytes; the limit is " + maxRequestBody
                    + " bytes (lab.limits.request-body)", "body");
        }
        return null;
    }

    /** Why a write from a browser page is refused as cross-site, or null when it came from this origin. */
    static String crossSite(HttpServerRequest request, boolean anonymous) {
        String host = request.getHeader("Host");
        String origin = request.getHeader("Origin");
        String source = origin != null && !origin.equals("null") ? origin : request.getHeader("Referer");
        if (source == null) {
            // no browser context at all (curl, scripts): only a cookie-authenticated write must prove its origin
            return anonymous && origin == null ? null
                    : "a write with the session cookie must carry an Origin or Referer header of this dashboard";
        }
        String authority;
        try {
            authority = URI.create(source).getRawAuthority();
        } catch (IllegalArgumentException e) {
            authority = null;
        }
        return authority != null && authority.equalsIgnoreCase(host) ? null
                : "cross-site request refused: origin " + source + " is not this dashboard (" + host + ")";
    }

    private static long parse(String length) {
        try {
            return Long.parseLong(length.strip());
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    static Response refuse(int status, String message, String field) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ErrorResponse.of(message, field)).build();
    }
}
