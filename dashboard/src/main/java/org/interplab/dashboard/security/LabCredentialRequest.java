package org.interplab.dashboard.security;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * The lab's own credential, a session cookie or an API token ({@code via} = "session" or "bearer"), for
 * LabIdentityProvider alone. A request type of its own, not Quarkus' TokenAuthenticationRequest: the OIDC extension's
 * identity provider takes those, and neither provider must see the other's credentials.
 */
public final class LabCredentialRequest extends BaseAuthenticationRequest {
    private final String via;
    private final String secret;

    public LabCredentialRequest(String via, String secret) {
        this.via = via;
        this.secret = secret;
    }

    public String via() {
        return via;
    }

    public String secret() {
        return secret;
    }
}
