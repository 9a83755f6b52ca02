package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A lab account: one role (viewer, researcher, admin) and a bcrypt password hash, or, for an account provisioned by
 * an OIDC login, the identity provider's subject and no password.
 */
@Entity
@Table(name = "lab_user")
public class LabUser extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(nullable = false, unique = true)
    public String username;

    /** Null for an account that logs in through the identity provider only. */
    @Column(name = "password_hash")
    public String passwordHash;

    /** "&lt;issuer&gt; &lt;sub&gt;" of the ID token that provisioned the account; null for a local account. */
    @Column(name = "oidc_subject", unique = true)
    public String oidcSubject;

    /**
     * Set when an admin unlinked the account from its subject: the issuer whose next login with the account's
     * username links a new subject to it; null otherwise.
     */
    @Column(name = "oidc_relink_issuer")
    public String oidcRelinkIssuer;

    /** The admin who last unlinked the account's OIDC subject, and when. */
    @Column(name = "oidc_unlinked_by")
    public String oidcUnlinkedBy;

    @Column(name = "oidc_unlinked_at")
    public Instant oidcUnlinkedAt;

    @Column(nullable = false)
    public String role;

    @Column(nullable = false)
    public boolean disabled;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
