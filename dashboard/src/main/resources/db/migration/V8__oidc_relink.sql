-- An admin unlinks an OIDC account from its identity-provider subject (docs/security.md, "Relinking an account"):
-- a provider account deleted and created again has a new `sub`, which the lab refuses by design. After the unlink
-- the account keeps its username, role, runs and tokens but has no subject; the next OIDC login from the same issuer
-- whose username claim is the account's name links its subject to it (within lab.auth.oidc.relink-window).
ALTER TABLE lab_user ADD COLUMN oidc_relink_issuer text;          -- non-null: waiting for a relink from this issuer
ALTER TABLE lab_user ADD COLUMN oidc_unlinked_by text;            -- the admin who unlinked it
ALTER TABLE lab_user ADD COLUMN oidc_unlinked_at timestamptz;
ALTER TABLE lab_user DROP CONSTRAINT lab_user_password_or_oidc;
ALTER TABLE lab_user ADD CONSTRAINT lab_user_password_or_oidc
    CHECK (password_hash IS NOT NULL OR oidc_subject IS NOT NULL OR oidc_relink_issuer IS NOT NULL);

-- Who changed whose identity link, and when: one row per unlink (by an admin) and per relink (by the login).
CREATE TABLE user_audit (
    id       uuid PRIMARY KEY,
    user_id  uuid        NOT NULL REFERENCES lab_user (id) ON DELETE CASCADE,
    action   text        NOT NULL,    -- oidc-unlinked | oidc-relinked
    actor    text        NOT NULL,    -- the admin's username, or the account's own for a relink
    detail   text        NOT NULL,    -- the subject ("<issuer> <sub>") unlinked or linked
    at       timestamptz NOT NULL
);
CREATE INDEX user_audit_user_idx ON user_audit (user_id, at);
