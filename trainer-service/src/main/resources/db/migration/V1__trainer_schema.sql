-- Owned by trainer-service. Other services read checkpoints through its REST API, never these tables.
CREATE TABLE training_job (
    experiment_id    UUID PRIMARY KEY,
    spec             TEXT        NOT NULL,
    status           VARCHAR(16) NOT NULL,
    step             BIGINT      NOT NULL DEFAULT 0,
    total_steps      BIGINT      NOT NULL,
    attempts         INT         NOT NULL DEFAULT 0,
    claimed_by       VARCHAR(128),
    heartbeat_at     TIMESTAMPTZ,
    cancel_requested BOOLEAN     NOT NULL DEFAULT FALSE,
    last_metrics     TEXT,
    error            TEXT,
    created_at       TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at       TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX training_job_claimable ON training_job (status, created_at);

CREATE TABLE checkpoint (
    id            UUID PRIMARY KEY,
    experiment_id UUID,
    step          BIGINT      NOT NULL,
    is_final      BOOLEAN     NOT NULL,
    source        VARCHAR(16) NOT NULL,
    weights       BYTEA       NOT NULL,
    optimizer     BYTEA,
    metadata      TEXT        NOT NULL,
    size_bytes    BIGINT      NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT checkpoint_one_per_step UNIQUE (experiment_id, step)
);
