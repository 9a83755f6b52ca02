package org.interplab.service;

import io.vertx.ext.web.RoutingContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * An internal service's REST API (trainer, analysis service) answers the lab's own services only: with
 * {@code lab.service-token} set (env LAB_SERVICE_TOKEN), every call must carry it in {@code X-Lab-Service-Token}
 * (the dashboard and the analysis service send it), else 401 with the JSON error. Health and metrics under /q/ stay
 * open. The dashboard, whose API is public (users log in), switches it off with {@code lab.internal-api=false}; the
 * default is on, so a service that forgets the setting stays closed rather than open.
 */
public class ServiceTokenFilter {
    public static final String HEADER = "X-Lab-Service-Token";

    @ConfigProperty(name = "lab.service-token")
    Optional<String> token;
    @ConfigProperty(name = "lab.internal-api", defaultValue = "true")
    boolean internalApi;

    @ServerRequestFilter(preMatching = true)
    public Response check(RoutingContext routing) {
        if (!internalApi || token.isEmpty() || token.get().isBlank() || routing.request().path().startsWith("/q/")) {
            return null;
        }
        String sent = routing.request().getHeader(HEADER);
        if (sent != null && MessageDigest.isEqual(sent.getBytes(StandardCharsets.UTF_8),
                token.get().getBytes(StandardCharsets.UTF_8))) {
            return null;
        }
        return Response.status(401).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(Map.of("error", "internal API: send the lab's service credential", "field", HEADER)).build();
    }
}
