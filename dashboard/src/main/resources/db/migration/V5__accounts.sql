-- Accounts: users with one role each, login sessions and API tokens (both stored as SHA-256 of the secret).
CREATE TABLE lab_user (
    id            uuid PRIMARY KEY,
    username      text        NOT NULL UNIQUE,
    password_hash text        NOT NULL,                 -- bcrypt (Modular Crypt Format)
    role          text        NOT NULL,                 -- viewer | researcher | admin
    disabled      boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL
);

CREATE TABLE lab_session (
    token_hash  text        PRIMARY KEY,                 -- SHA-256 (hex) of the session cookie's value
    user_id     uuid        NOT NULL REFERENCES lab_user (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL
);

CREATE TABLE api_token (
    id          uuid PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES lab_user (id) ON DELETE CASCADE,
    name        text        NOT NULL,
    token_hash  text        NOT NULL UNIQUE,             -- SHA-256 (hex) of the token, which is shown once
    prefix      text        NOT NULL,                    -- the first characters, to recognise it in the list
    created_at  timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at  timestamptz
);
CREATE INDEX api_token_user_idx ON api_token (user_id);

-- Owners (the username; null for rows from before accounts existed), edits after submit, soft delete.
ALTER TABLE experiment ADD COLUMN owner text;
ALTER TABLE experiment ADD COLUMN archived_at timestamptz;
ALTER TABLE experiment ADD COLUMN edited_by text;
ALTER TABLE experiment ADD COLUMN edited_at timestamptz;
CREATE INDEX experiment_owner_idx ON experiment (owner, created_at DESC);
ALTER TABLE sweep ADD COLUMN owner text;
ALTER TABLE checkpoint ADD COLUMN owner text;

-- Notes on a run (markdown source; the web UI renders it escaped), each with its author and time.
CREATE TABLE experiment_note (
    id            uuid PRIMARY KEY,
    experiment_id uuid        NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    author        text        NOT NULL,
    body          text        NOT NULL,
    created_at    timestamptz NOT NULL
);
CREATE INDEX experiment_note_idx ON experiment_note (experiment_id, created_at);

-- Transactional outbox: the ExperimentRequested event is written with its experiment; a relay sends it to Kafka.
CREATE TABLE outbox (
    id            bigserial   PRIMARY KEY,
    experiment_id uuid        NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    topic         text        NOT NULL,
    message_key   text        NOT NULL,
    payload       text        NOT NULL,
    created_at    timestamptz NOT NULL,
    attempts      integer     NOT NULL DEFAULT 0,
    sent_at       timestamptz
);
CREATE INDEX outbox_pending_idx ON outbox (id) WHERE sent_at IS NULL;
