package org.interplab.dashboard.client;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import java.util.Optional;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The lab's service credential on every call to the trainer's and analysis service's internal APIs: header
 * {@code X-Lab-Service-Token} with {@code lab.service-token} (env LAB_SERVICE_TOKEN), when one is configured.
 */
@ApplicationScoped
public class ServiceToken implements ClientRequestFilter {
    public static final String HEADER = "X-Lab-Service-Token";

    @Override
    public void filter(ClientRequestContext request) {
        token().ifPresent(t -> request.getHeaders().putSingle(HEADER, t));
    }

    /** The same credential on a JDK HttpClient request (the streaming pass-throughs). */
    public static java.net.http.HttpRequest.Builder on(java.net.http.HttpRequest.Builder request) {
        token().ifPresent(t -> request.header(HEADER, t));
        return request;
    }

    private static Optional<String> token() {
        return ConfigProvider.getConfig().getOptionalValue("lab.service-token", String.class)
                .filter(t -> !t.isBlank());
    }
}
