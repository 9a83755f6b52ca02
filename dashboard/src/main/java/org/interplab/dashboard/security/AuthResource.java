package org.interplab.dashboard.security;

import io.quarkus.security.Authenticated;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.CookieParam;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.entity.ApiToken;
import org.interplab.dashboard.entity.LabUser;
import org.interplab.dashboard.rest.ApiException;

/** Login, logout, the one-time setup of the first admin, who am I, and the caller's API tokens. */
@Path("/api/auth")
@Produces(MediaType.APPLICATION_JSON)
public class AuthResource {

    @Inject
    AccountService accounts;

    @Inject
    SecurityIdentity identity;

    @ConfigProperty(name = "lab.auth.anonymous-read", defaultValue = "false")
    boolean anonymousRead;

    @Inject
    SessionCookies cookies;

    @Inject
    OidcSettings oidc;

    public record Credentials(String username, String password) {
    }

    /**
     * {@code oidcLogin}: the identity provider's name for the "Log in with …" button, null when OIDC is off;
     * {@code hasPassword}: the caller logs in with a lab password (which they can change), not through the provider.
     */
    public record Me(boolean authenticated, String username, String role, boolean setupRequired,
                     boolean anonymousRead, String oidcLogin, boolean hasPassword) {
    }

    public record TokenName(String name) {
    }

    public record PasswordChange(String currentPassword, String password) {
    }

    public record TokenView(UUID id, String name, String prefix, Instant createdAt, Instant lastUsedAt) {
        static TokenView of(ApiToken t) {
            return new TokenView(t.id, t.name, t.prefix, t.createdAt, t.lastUsedAt);
        }
    }

    /** A new token: {@code token} is the secret, shown only in this answer. */
    public record CreatedToken(UUID id, String name, String prefix, Instant createdAt, String token) {
    }

    @GET
    @Path("me")
    @Operation(summary = "Who the caller is (or anonymous), and whether the lab still needs its first admin")
    public Me me() {
        if (identity.isAnonymous()) {
            return new Me(false, null, null, accounts.setupRequired(), anonymousRead, oidc.buttonName(), false);
        }
        return signedIn(accounts.user(identity.getPrincipal().getName()));
    }

    private Me signedIn(LabUser user) {
        return new Me(true, user.username, user.role, false, anonymousRead, oidc.buttonName(),
                !AccountService.oidcAccount(user));
    }

    @POST
    @Path("login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Log in with {username, password}: sets the HttpOnly session cookie")
    public Response login(Credentials credentials, @Context UriInfo uri) {
        Credentials c = require(credentials);
        String session = accounts.login(c.username(), c.password());
        return Response.ok(signedIn(accounts.user(c.username()))).cookie(cookies.session(session)).build();
    }

    @POST
    @Path("setup")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create the first admin {username, password}; only while no user exists (else 409)")
    public Response setup(Credentials credentials) {
        Credentials c = require(credentials);
        accounts.setup(c.username(), c.password());
        String session = accounts.login(c.username(), c.password());
        return Response.status(201).entity(signedIn(accounts.user(c.username()))).cookie(cookies.session(session))
                .build();
    }

    @POST
    @Path("logout")
    @Operation(summary = "End the session and clear its cookie")
    public Response logout(@CookieParam(LabAuthMechanism.SESSION_COOKIE) String session) {
        if (session != null && !session.isBlank()) {
            accounts.logout(session);
        }
        return Response.noContent().cookie(cookies.cleared()).build();
    }

    @POST
    @Path("password")
    @Authenticated
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change your own password {currentPassword, password} (e.g. the first one an admin gave "
            + "you); your sessions end (log in again), your API tokens keep working")
    public Response changePassword(PasswordChange change) {
        accounts.changePassword(identity.getPrincipal().getName(), change == null ? null : change.currentPassword(),
                change == null ? null : change.password());
        return Response.noContent().build();
    }

    @GET
    @Path("tokens")
    @Authenticated
    @Operation(summary = "The caller's API tokens (not their secrets)")
    public List<TokenView> tokens() {
        return accounts.tokens(identity.getPrincipal().getName()).stream().map(TokenView::of).toList();
    }

    @POST
    @Path("tokens")
    @Authenticated
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create an API token {name}; the answer's 'token' is shown only once. Send it as "
            + "Authorization: Bearer <token>; it acts with the caller's role")
    public Response createToken(TokenName name) {
        AccountService.NewToken created = accounts.createToken(identity.getPrincipal().getName(),
                name == null ? null : name.name());
        ApiToken t = created.token();
        return Response.status(201).entity(new CreatedToken(t.id, t.name, t.prefix, t.createdAt, created.secret()))
                .build();
    }

    @DELETE
    @Path("tokens/{id}")
    @Authenticated
    @Operation(summary = "Revoke one of the caller's API tokens")
    public Response revokeToken(@PathParam("id") String id) {
        accounts.revokeToken(identity.getPrincipal().getName(), AccountService.uuid(id));
        return Response.noContent().build();
    }

    private static Credentials require(Credentials c) {
        if (c == null || c.username() == null || c.username().isBlank()) {
            throw ApiException.badRequest("username is required", "username");
        }
        if (c.password() == null || c.password().isEmpty()) {
            throw ApiException.badRequest("password is required", "password");
        }
        return c;
    }
}
