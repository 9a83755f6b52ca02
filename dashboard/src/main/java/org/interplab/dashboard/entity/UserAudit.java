package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One change of an account's identity link: an admin's OIDC unlink, or the login that relinked it. */
@Entity
@Table(name = "user_audit")
public class UserAudit extends PanacheEntityBase {
    public static final String OIDC_UNLINKED = "oidc-unlinked";
    public static final String OIDC_RELINKED = "oidc-relinked";

    @Id
    public UUID id;

    @Column(name = "user_id", nullable = false)
    public UUID userId;

    @Column(nullable = false)
    public String action;

    @Column(nullable = false)
    public String actor;

    @Column(nullable = false)
    public String detail;

    @Column(nullable = false)
    public Instant at;

    public static UserAudit record(UUID userId, String action, String actor, String detail) {
        UserAudit row = new UserAudit();
        row.id = UUID.randomUUID();
        row.userId = userId;
        row.action = action;
        row.actor = actor;
        row.detail = detail;
        row.at = Instant.now();
        row.persist();
        return row;
    }
}
