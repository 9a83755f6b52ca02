package org.interplab.dashboard.security;

import io.quarkus.elytron.security.common.BcryptUtil;
import io.quarkus.logging.Log;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.transaction.Transactional;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.dashboard.entity.ApiToken;
import org.interplab.dashboard.entity.LabSession;
import org.interplab.dashboard.entity.LabUser;
import org.interplab.dashboard.entity.UserAudit;
import org.interplab.dashboard.rest.ApiException;

/** Users, their sessions and API tokens. Passwords are bcrypt hashes; sessions and tokens are stored as SHA-256. */
@ApplicationScoped
@Transactional
public class AccountService {
    static final Pattern USERNAME = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
    static final int MIN_PASSWORD = 8;
    static final int MAX_PASSWORD = 200;
    static final int BCRYPT_COST = 10;

    /** What a request runs as. */
    public record Account(UUID id, String username, String role) {
    }

    @ConfigProperty(name = "lab.admin.username", defaultValue = "admin")
    String adminUsername;

    @ConfigProperty(name = "lab.admin.password")
    Optional<String> adminPassword;

    @ConfigProperty(name = "lab.auth.session-ttl", defaultValue = "P7D")
    Duration sessionTtl;

    /** How long after an admin's unlink an OIDC login may relink the account (docs/security.md). */
    @ConfigProperty(name = "lab.auth.oidc.relink-window", defaultValue = "P7D")
    Duration relinkWindow;

    /** The first admin comes from configuration (env LAB_ADMIN_PASSWORD) when no user exists yet. */
    void firstAdmin(@Observes StartupEvent start) {
        if (adminPassword.isPresent() && !adminPassword.get().isBlank() && LabUser.count() == 0) {
            create(adminUsername, adminPassword.get(), Roles.ADMIN);
            Log.infof("created the first admin '%s' from lab.admin.password", adminUsername);
        }
    }

    /** A path id, or 404 when it is no UUID (nothing can have that id). */
    static UUID uuid(String id) {
        try {
            return UUID.fromString(id);
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("no such id '" + id + "'");
        }
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public boolean setupRequired() {
        return LabUser.count() == 0;
    }

    public LabUser create(String username, String password, String role) {
        if (username == null || !USERNAME.matcher(username).matches()) {
            throw ApiException.badRequest("username: 1 to 64 of letters, digits, '_', '.', '@', '-'", "username");
        }
        checkPassword(password);
        if (role == null || !Roles.ALL.contains(role)) {
            throw ApiException.badRequest("role must be one of " + Roles.ALL, "role");
        }
        if (LabUser.count("username", username) > 0) {
            throw new ApiException(409, "user '" + username + "' exists", "username", null);
        }
        LabUser user = new LabUser();
        user.id = UUID.randomUUID();
        user.username = username;
        user.passwordHash = BcryptUtil.bcryptHash(password, BCRYPT_COST);
        user.role = role;
        user.createdAt = Instant.now();
        user.persist();
        return user;
    }

    private static void checkPassword(String password) {
        if (password == null || password.length() < MIN_PASSWORD || password.length() > MAX_PASSWORD) {
            throw ApiException.badRequest("password must have " + MIN_PASSWORD + " to " + MAX_PASSWORD
                    + " characters", "password");
        }
    }

    /** The first admin, from the one-time setup page; refused once any user exists. */
    public LabUser setup(String username, String password) {
        if (LabUser.count() > 0) {
            throw new ApiException(409, "the lab is set up already; ask an admin for an account", null, null);
        }
        return create(username, password, Roles.ADMIN);
    }

    /** A new session's secret (the cookie's value) for the right username and password, else 401. */
    public String login(String username, String password) {
        LabUser user = username == null ? null : LabUser.find("username", username).firstResult();
        // an account provisioned by an OIDC login has no password: it logs in through the identity provider only
        if (user == null || user.disabled || password == null || user.passwordHash == null
                || !BcryptUtil.matches(password, user.passwordHash)) {
            throw new ApiException(401, "wrong username or password", "password", null);
        }
        return newSession(user);
    }

    /**
     * A new session's secret for the identity provider's user {@code subject} ("&lt;issuer&gt; &lt;sub&gt;"), after
     * the authorization-code flow. The provider decides the role at every login: {@code mappedRole} (from its
     * groups), else {@code defaultRole}; null for both is refused. The first login provisions the account under
     * {@code username}; later logins keep that username (runs name their owner by it) and update the role. An
     * account an admin unlinked ({@link #unlinkOidc}) is relinked to the first new subject of the same issuer that
     * logs in with its username, within {@code lab.auth.oidc.relink-window}.
     * Refused (403): a disabled account, no role, a username that is no lab username or belongs to another account.
     */
    public String oidcLogin(String subject, String username, String mappedRole, String defaultRole) {
        String role = mappedRole != null ? mappedRole : defaultRole;
        if (role == null) {
            throw new ApiException(403, "none of your identity provider's groups is mapped to a lab role "
                    + "(lab.auth.oidc.admin-groups, lab.auth.oidc.researcher-groups) and "
                    + "lab.auth.oidc.default-role is none", null, null);
        }
        LabUser user = LabUser.find("oidcSubject", subject).firstResult();
        if (user == null) {
            if (username == null || !USERNAME.matcher(username).matches()) {
                throw new ApiException(403, "the identity provider's username '" + username + "' is not a lab "
                        + "username (1 to 64 of letters, digits, '_', '.', '@', '-'; lab.auth.oidc.username-claim)",
                        "username", null);
            }
            LabUser named = LabUser.find("username", username).firstResult();
            user = named == null ? provision(subject, username, role) : relink(named, subject);
        }
        if (user.disabled) {
            throw new ApiException(403, "the account '" + user.username + "' is disabled", null, null);
        }
        if (!role.equals(user.role)) {
            Log.infof("'%s' is now %s (was %s), from the identity provider's groups", user.username, role, user.role);
            user.role = role;
        }
        return newSession(user);
    }

    private static LabUser provision(String subject, String username, String role) {
        LabUser user = new LabUser();
        user.id = UUID.randomUUID();
        user.username = username;
        user.oidcSubject = subject;
        user.role = role;
        user.createdAt = Instant.now();
        user.persist();
        Log.infof("provisioned '%s' (%s) from an OIDC login", username, role);
        return user;
    }

    /**
     * Links {@code subject} to the account of its username when an admin unlinked that account for a new subject
     * of the same issuer, recently enough; else the name belongs to another account (403).
     */
    private LabUser relink(LabUser named, String subject) {
        if (named.oidcRelinkIssuer == null || !named.oidcRelinkIssuer.equals(issuerOf(subject))) {
            throw new ApiException(403, "the username '" + named.username + "' belongs to another lab account; "
                    + "ask an admin (an identity-provider account created again can be relinked: docs/security.md)",
                    "username", null);
        }
        if (named.oidcUnlinkedAt.plus(relinkWindow).isBefore(Instant.now())) {
            throw new ApiException(403, "the account '" + named.username + "' was unlinked on " + named.oidcUnlinkedAt
                    + ", longer ago than lab.auth.oidc.relink-window (" + relinkWindow + "); ask an admin to "
                    + "unlink it again", "username", null);
        }
        if (named.disabled) {
            throw new ApiException(403, "the account '" + named.username + "' is disabled", null, null);
        }
        named.oidcSubject = subject;
        named.oidcRelinkIssuer = null;
        UserAudit.record(named.id, UserAudit.OIDC_RELINKED, named.username, subject);
        Log.infof("relinked '%s' to the identity provider's subject %s (unlinked by %s)", named.username, subject,
                named.oidcUnlinkedBy);
        return named;
    }

    /** "&lt;issuer&gt; &lt;sub&gt;" → the issuer (an issuer is a URL: it has no space). */
    static String issuerOf(String subject) {
        int space = subject.indexOf(' ');
        return space < 0 ? subject : subject.substring(0, space);
    }

    /**
     * An admin unlinks an OIDC account from its subject (the provider's account was deleted and created again):
     * its sessions end, and the next OIDC login of the same issuer with its username links the new subject.
     * Username, role, runs and API tokens stay. Recorded in {@code user_audit}.
     */
    public LabUser unlinkOidc(UUID id, String actingAdmin) {
        LabUser user = LabUser.<LabUser>findByIdOptional(id)
                .orElseThrow(() -> ApiException.notFound("no user " + id));
        if (user.oidcSubject == null) {
            throw ApiException.badRequest("'" + user.username + "' is not linked to an identity provider"
                    + (user.oidcRelinkIssuer != null ? " (unlinked by " + user.oidcUnlinkedBy + " on "
                    + user.oidcUnlinkedAt + "; its next login relinks it)" : ""), "login");
        }
        if (user.username.equals(actingAdmin)) {
            throw ApiException.badRequest("an admin cannot unlink themself", "login");
        }
        String subject = user.oidcSubject;
        user.oidcRelinkIssuer = issuerOf(subject);
        user.oidcSubject = null;
        user.oidcUnlinkedBy = actingAdmin;
        user.oidcUnlinkedAt = Instant.now();
        LabSession.delete("userId", user.id);
        UserAudit.record(user.id, UserAudit.OIDC_UNLINKED, actingAdmin, subject);
        Log.infof("'%s' unlinked '%s' from the identity provider's subject %s", actingAdmin, user.username, subject);
        return user;
    }

    /** The account's identity-link history, oldest first. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<UserAudit> audit(UUID id) {
        LabUser.<LabUser>findByIdOptional(id).orElseThrow(() -> ApiException.notFound("no user " + id));
        return UserAudit.list("userId", Sort.ascending("at"), id);
    }

    private String newSession(LabUser user) {
        String secret = Secrets.random("s_");
        LabSession session = new LabSession();
        session.tokenHash = Secrets.sha256(secret);
        session.userId = user.id;
        session.createdAt = Instant.now();
        session.expiresAt = session.createdAt.plus(sessionTtl);
        session.persist();
        LabSession.delete("expiresAt < ?1", Instant.now());
        return secret;
    }

    public void logout(String sessionSecret) {
        LabSession.deleteById(Secrets.sha256(sessionSecret));
    }

    // REQUIRED (the class default), not SUPPORTS: called on a worker thread with no request context, where the
    // entity manager only works inside a transaction
    public Optional<Account> bySession(String secret) {
        LabSession session = LabSession.findById(Secrets.sha256(secret));
        if (session == null || session.expiresAt.isBefore(Instant.now())) {
            return Optional.empty();
        }
        return active(session.userId);
    }

    public Optional<Account> byToken(String secret) {
        ApiToken token = ApiToken.find("tokenHash", Secrets.sha256(secret)).firstResult();
        if (token == null || token.revokedAt != null) {
            return Optional.empty();
        }
        token.lastUsedAt = Instant.now();
        return active(token.userId);
    }

    private Optional<Account> active(UUID userId) {
        LabUser user = LabUser.findById(userId);
        return user == null || user.disabled ? Optional.empty()
                : Optional.of(new Account(user.id, user.username, user.role));
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public LabUser user(String username) {
        LabUser user = LabUser.find("username", username).firstResult();
        if (user == null) {
            throw new ApiException(401, "no such user", null, null);
        }
        return user;
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<LabUser> users() {
        return LabUser.listAll(Sort.ascending("username"));
    }

    /** An admin changes a user's role, disables or enables them, or sets a new password. */
    public LabUser update(UUID id, String role, Boolean disabled, String password, String actingAdmin) {
        LabUser user = LabUser.<LabUser>findByIdOptional(id)
                .orElseThrow(() -> ApiException.notFound("no user " + id));
        if (role != null) {
            if (!Roles.ALL.contains(role)) {
                throw ApiException.badRequest("role must be one of " + Roles.ALL, "role");
            }
            if (oidcAccount(user) && !role.equals(user.role)) {
                throw ApiException.badRequest("'" + user.username + "' logs in through the identity provider, "
                        + "whose groups set the role at every login: change the groups there "
                        + "(lab.auth.oidc.admin-groups, lab.auth.oidc.researcher-groups)", "role");
            }
            if (user.username.equals(actingAdmin) && !Roles.ADMIN.equals(role)) {
                throw ApiException.badRequest("an admin cannot demote themself", "role");
            }
            user.role = role;
        }
        if (disabled != null) {
            if (user.username.equals(actingAdmin) && disabled) {
                throw ApiException.badRequest("an admin cannot disable themself", "disabled");
            }
            user.disabled = disabled;
            if (disabled) {
                LabSession.delete("userId", user.id);
            }
        }
        if (password != null) {
            if (oidcAccount(user)) {
                throw ApiException.badRequest("'" + user.username + "' logs in through the identity provider and "
                        + "has no lab password", "password");
            }
            checkPassword(password);
            user.passwordHash = BcryptUtil.bcryptHash(password, BCRYPT_COST);
        }
        return user;
    }

    /**
     * A user changes their own password (typically the first one an admin set): the current one must match; all
     * their sessions end (log in again with the new one; API tokens keep working). OIDC accounts have none (400).
     */
    public void changePassword(String username, String currentPassword, String password) {
        LabUser user = user(username);
        if (oidcAccount(user)) {
            throw ApiException.badRequest("'" + username + "' logs in through the identity provider and has no lab "
                    + "password", "password");
        }
        if (currentPassword == null || !BcryptUtil.matches(currentPassword, user.passwordHash)) {
            throw ApiException.badRequest("the current password is wrong", "currentPassword");
        }
        checkPassword(password);
        user.passwordHash = BcryptUtil.bcryptHash(password, BCRYPT_COST);
        LabSession.delete("userId", user.id);
    }

    /** An account of the identity provider: linked to a subject, or unlinked and waiting for its relink. */
    public static boolean oidcAccount(LabUser user) {
        return user.oidcSubject != null || user.oidcRelinkIssuer != null;
    }

    /** A new token: the row (its hash) and the secret, which is shown this once. */
    public record NewToken(ApiToken token, String secret) {
    }

    public NewToken createToken(String username, String name) {
        if (name == null || name.isBlank() || name.length() > 100 || name.chars().anyMatch(Character::isISOControl)) {
            throw ApiException.badRequest("token name: 1 to 100 characters, no control characters", "name");
        }
        String secret = Secrets.random("lab_");
        ApiToken token = new ApiToken();
        token.id = UUID.randomUUID();
        token.userId = user(username).id;
        token.name = name.strip();
        token.tokenHash = Secrets.sha256(secret);
        token.prefix = secret.substring(0, 8);
        token.createdAt = Instant.now();
        token.persist();
        return new NewToken(token, secret);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ApiToken> tokens(String username) {
        return ApiToken.list("userId = ?1 and revokedAt is null", Sort.descending("createdAt"), user(username).id);
    }

    public void revokeToken(String username, UUID tokenId) {
        ApiToken token = ApiToken.findById(tokenId);
        if (token == null || !token.userId.equals(user(username).id) || token.revokedAt != null) {
            throw ApiException.notFound("no token " + tokenId);
        }
        token.revokedAt = Instant.now();
    }
}
