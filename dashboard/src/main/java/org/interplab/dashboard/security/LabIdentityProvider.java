package org.interplab.dashboard.security;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Looks the session or API token up in the database (off the event loop) and builds the caller's identity. */
@ApplicationScoped
public class LabIdentityProvider implements IdentityProvider<LabCredentialRequest> {
    /** Identity attribute: "session" or "bearer", i.e. how the caller authenticated (CSRF checks need it). */
    public static final String VIA = "lab.via";

    @Inject
    AccountService accounts;

    @Override
    public Class<LabCredentialRequest> getRequestType() {
        return LabCredentialRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(LabCredentialRequest request, AuthenticationRequestContext ctx) {
        String type = request.via();
        String secret = request.secret();
        return ctx.runBlocking(() -> {
            AccountService.Account account = (LabAuthMechanism.SESSION.equals(type)
                    ? accounts.bySession(secret) : accounts.byToken(secret))
                    .orElseThrow(() -> new AuthenticationFailedException(
                            LabAuthMechanism.SESSION.equals(type) ? "session expired" : "unknown or revoked token"));
            return QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(account.username()))
                    .addRoles(Roles.granted(account.role()))
                    .addAttribute(VIA, type)
                    .build();
        });
    }
}
