-- Each published checkpoint becomes a job: the Kafka handler only records it, workers claim it (SKIP LOCKED,
-- heartbeats), transient faults (trainer unreachable, database blip, broker down) are retried with backoff, and only
-- a job that keeps failing or cannot succeed ends FAILED with its reason, listed and retryable over REST.
CREATE TABLE analysis_job (
    checkpoint_id   UUID PRIMARY KEY,
    event           TEXT        NOT NULL,
    status          VARCHAR(16) NOT NULL,
    attempts        INT         NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    claimed_by      VARCHAR(128),
    heartbeat_at    TIMESTAMPTZ,
    error           TEXT,
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at      TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX analysis_job_due ON analysis_job (status, next_attempt_at);
