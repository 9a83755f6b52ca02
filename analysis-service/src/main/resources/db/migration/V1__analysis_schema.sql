-- Owned by analysis-service. Others read tables through its REST API.
CREATE TABLE analysis_run (
    checkpoint_id UUID PRIMARY KEY,
    experiment_id UUID,
    status        VARCHAR(16) NOT NULL,
    tables_ok     INT         NOT NULL DEFAULT 0,
    tables_failed INT         NOT NULL DEFAULT 0,
    error         TEXT,
    started_at    TIMESTAMPTZ NOT NULL DEFAULT now(),
    completed_at  TIMESTAMPTZ
);

-- One computed table (or the error that stopped it). body is the table as JSON: labels and values.
CREATE TABLE analysis_table (
    checkpoint_id UUID         NOT NULL REFERENCES analysis_run (checkpoint_id) ON DELETE CASCADE,
    name          VARCHAR(128) NOT NULL,
    kind          VARCHAR(64),
    title         TEXT,
    n_rows        INT,
    n_cols        INT,
    body          TEXT,
    error         TEXT,
    PRIMARY KEY (checkpoint_id, name)
);
