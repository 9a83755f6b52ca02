-- Accounts provisioned by an OIDC login (docs/security.md, "OIDC"): linked to the identity provider's subject, with
-- no local password (password login is refused for them).
ALTER TABLE lab_user ADD COLUMN oidc_subject text UNIQUE;   -- "<issuer> <sub>" of the ID token; null: a local account
ALTER TABLE lab_user ALTER COLUMN password_hash DROP NOT NULL;
ALTER TABLE lab_user ADD CONSTRAINT lab_user_password_or_oidc CHECK (password_hash IS NOT NULL OR oidc_subject IS NOT NULL);
