package org.interplab.dashboard.security;

import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.entity.LabUser;
import org.interplab.dashboard.entity.UserAudit;
import org.interplab.dashboard.rest.ApiException;

/**
 * Admin only: the lab's users, adding one (with a first password), changing a role, disabling, and unlinking an
 * OIDC account from its identity-provider subject so that its next login relinks it (docs/security.md).
 */
@Path("/api/users")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class UserResource {

    @Inject
    AccountService accounts;

    @Inject
    SecurityIdentity identity;

    public record NewUser(String username, String password, String role) {
    }

    public record UserChange(String role, Boolean disabled, String password) {
    }

    /**
     * {@code login}: "password"; "oidc" for an account of the identity provider (whose groups set its role);
     * "oidc-unlinked" for one an admin unlinked ({@code unlinkedBy}, {@code unlinkedAt}) until its next login.
     */
    public record UserView(UUID id, String username, String role, boolean disabled, Instant createdAt, String login,
                           String unlinkedBy, Instant unlinkedAt) {
        static UserView of(LabUser u) {
            String login = u.oidcSubject != null ? "oidc" : u.oidcRelinkIssuer != null ? "oidc-unlinked" : "password";
            return new UserView(u.id, u.username, u.role, u.disabled, u.createdAt, login, u.oidcUnlinkedBy,
                    u.oidcUnlinkedAt);
        }
    }

    /** One change of the account's identity link (the subject is "&lt;issuer&gt; &lt;sub&gt;"). */
    public record AuditView(String action, String actor, String subject, Instant at) {
        static AuditView of(UserAudit a) {
            return new AuditView(a.action, a.actor, a.detail, a.at);
        }
    }

    @GET
    @Operation(summary = "Every user with role and whether disabled")
    public List<UserView> list() {
        return accounts.users().stream().map(UserView::of).toList();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a user {username, password, role (viewer|researcher|admin)}")
    public Response create(NewUser user) {
        if (user == null) {
            throw ApiException.badRequest("send {username, password, role}", null);
        }
        return Response.status(201).entity(UserView.of(accounts.create(user.username(), user.password(),
                user.role() == null ? Roles.RESEARCHER : user.role()))).build();
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Change a user's role, disable/enable them ({disabled}), or set a new password")
    public UserView update(@PathParam("id") String id, UserChange change) {
        if (change == null) {
            throw ApiException.badRequest("send {role?, disabled?, password?}", null);
        }
        return UserView.of(accounts.update(AccountService.uuid(id), change.role(), change.disabled(), change.password(),
                identity.getPrincipal().getName()));
    }

    @POST
    @Path("{id}/unlink-oidc")
    @Operation(summary = "Unlink an OIDC account from its identity-provider subject (e.g. the provider account was "
            + "deleted and created again): its sessions end; its next login with the same username from the same "
            + "issuer links the new subject to it (within lab.auth.oidc.relink-window). Audited.")
    public UserView unlinkOidc(@PathParam("id") String id) {
        return UserView.of(accounts.unlinkOidc(AccountService.uuid(id), identity.getPrincipal().getName()));
    }

    @GET
    @Path("{id}/audit")
    @Operation(summary = "The account's identity-link history: unlinks (by which admin) and relinks, oldest first")
    public List<AuditView> audit(@PathParam("id") String id) {
        return accounts.audit(AccountService.uuid(id)).stream().map(AuditView::of).toList();
    }
}
