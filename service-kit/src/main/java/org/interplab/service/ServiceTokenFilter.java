package org.interplab.service;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.vertx.ext.web.RoutingContext;
import jakarta.inject.Inject;
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
 * open. The dashboard, whose API is public (users log in), switches it off with {@code lab.api.internal=false}; the
 * default is on, so a service that forgets the setting stays closed rather than open.
 */
public class ServiceTokenFilter {
    public static final String HEADER = "X-Lab-Service-Token";

    /** {@code lab.api.*} (a mapping of its own, so the file may set it under the {@code lab} root). */
    @ConfigMapping(prefix = "lab.api")
    public interface Settings {
        /** True (the default) on an internal service; false on a public API. */
        @WithDefault("true")
        boolean internal();
    }

    @ConfigProperty(name = "lab.service-token")
    Optional<String> token;
    @Inject
    Settings settings;

    @ServerRequestFilter(preMatching = true)
    public Response check(RoutingContext routing) {
        if (!settings.internal() || token.isEmpty() || token.get().isBlank() || routing.request().path().startsWith("/q/")) {
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
