package org.interplab.analysis.client;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.ext.Provider;
import org.eclipse.microprofile.config.ConfigProvider;

/** Sends the lab's service credential ({@code lab.service-token}, env LAB_SERVICE_TOKEN) on calls to the trainer. */
@Provider
public class ServiceTokenHeader implements ClientRequestFilter {
    @Override
    public void filter(ClientRequestContext request) {
        ConfigProvider.getConfig().getOptionalValue("lab.service-token", String.class)
                .filter(t -> !t.isBlank())
                .ifPresent(t -> request.getHeaders().putSingle("X-Lab-Service-Token", t));
    }
}
