-- Corpora (owned by trainer-service): text corpora tokenized once into uint16 GPT-2 token streams in the object
-- store. Tokenizing is a job claimed from this table (FOR UPDATE SKIP LOCKED); a TOKENIZING row whose heartbeat is
-- old is claimed again and redone from its source.
CREATE TABLE corpus (
    id                     VARCHAR(100) PRIMARY KEY,
    name                   VARCHAR(200) NOT NULL,
    source_kind            VARCHAR(16)  NOT NULL,  -- builtin | upload | path
    source_format          VARCHAR(16)  NOT NULL,  -- txt | jsonl | generated (builtin)
    source_ref             TEXT,                   -- object key of an upload, or the server-side path
    status                 VARCHAR(16)  NOT NULL,  -- QUEUED | TOKENIZING | READY | FAILED
    progress               DOUBLE PRECISION NOT NULL DEFAULT 0,
    attempts               INT          NOT NULL DEFAULT 0,
    claimed_by             VARCHAR(128),
    heartbeat_at           TIMESTAMPTZ,
    stories                BIGINT,
    train_stories          BIGINT,
    validation_stories     BIGINT,
    train_tokens           BIGINT,
    validation_tokens      BIGINT,
    samples                TEXT,                   -- JSON list of the first stories
    train_key              TEXT,
    train_size             BIGINT,
    train_sha256           VARCHAR(64),
    validation_key         TEXT,
    validation_size        BIGINT,
    validation_sha256      VARCHAR(64),
    split_seed             BIGINT       NOT NULL,
    owner                  VARCHAR(200),
    error                  TEXT,
    created_at             TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at             TIMESTAMPTZ  NOT NULL DEFAULT now()
);
CREATE INDEX corpus_claimable ON corpus (status, created_at);
