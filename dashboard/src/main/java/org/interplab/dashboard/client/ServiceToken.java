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
        Optional<String> token = ConfigProvider.getConfig().getOptionalValue("lab.service-token", String.class);
        token.filter(t -> !t.isBlank()).ifPresent(t -> request.getHeaders().putSingle(HEADER, t));
    }
}
