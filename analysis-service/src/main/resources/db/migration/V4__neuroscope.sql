-- Neuroscope scans (owned by analysis-service). A scan is one (checkpoint, corpus); it is planned into shards
-- (ranges of batch groups of the corpus's validation split) that any replica claims with FOR UPDATE SKIP LOCKED.
CREATE TABLE neuroscope_scan (
    id            UUID PRIMARY KEY,
    checkpoint_id UUID         NOT NULL,
    corpus_id     VARCHAR(128) NOT NULL,
    status        VARCHAR(16)  NOT NULL, -- QUEUED, PLANNED (shards being scanned), MERGING, COMPLETED, FAILED
    settings      TEXT         NOT NULL, -- JSON: ScanSettings, stories per batch, groups per shard, token cap
    spec          TEXT,                  -- the experiment spec of the checkpoint, when the event carried it
    n_layers      INT,
    d_mlp         INT,
    stories       INT,
    shards_total  INT,
    tokens_total  BIGINT,
    claimed_by    VARCHAR(200),
    heartbeat_at  TIMESTAMPTZ,
    attempts      INT          NOT NULL DEFAULT 0,
    error         TEXT,
    created_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    updated_at    TIMESTAMPTZ  NOT NULL DEFAULT now(),
    completed_at  TIMESTAMPTZ,
    UNIQUE (checkpoint_id, corpus_id)
);

CREATE TABLE neuroscope_shard (
    scan_id      UUID        NOT NULL REFERENCES neuroscope_scan (id) ON DELETE CASCADE,
    shard        INT         NOT NULL,
    group_from   INT         NOT NULL,
    group_to     INT         NOT NULL,
    status       VARCHAR(16) NOT NULL, -- QUEUED, RUNNING, DONE, FAILED
    claimed_by   VARCHAR(200),
    heartbeat_at TIMESTAMPTZ,
    attempts     INT         NOT NULL DEFAULT 0,
    tokens_done  BIGINT      NOT NULL DEFAULT 0,
    partial      BYTEA,                -- gzip of every layer's NeuronStats in order (interp-core binary form)
    PRIMARY KEY (scan_id, shard)
);
CREATE INDEX neuroscope_shard_claim ON neuroscope_shard (status, heartbeat_at);

-- One row per neuron of a completed scan: the sortable statistics as columns, the examples and histogram as the
-- compact binary NeuronStats (gzip), the logit-effect table as JSON.
CREATE TABLE neuroscope_neuron (
    scan_id         UUID    NOT NULL REFERENCES neuroscope_scan (id) ON DELETE CASCADE,
    layer           INT     NOT NULL,
    neuron          INT     NOT NULL,
    max_act         REAL,
    mean_act        DOUBLE PRECISION,
    density         DOUBLE PRECISION,
    logit_sharpness REAL,
    top_logit_token INT,
    stats           BYTEA   NOT NULL,
    logits          TEXT,
    PRIMARY KEY (scan_id, layer, neuron)
);

-- Search by token: for each neuron, the tokens at the centre of its top examples with the best activation there.
CREATE TABLE neuroscope_token (
    scan_id    UUID NOT NULL REFERENCES neuroscope_scan (id) ON DELETE CASCADE,
    token      INT  NOT NULL,
    layer      INT  NOT NULL,
    neuron     INT  NOT NULL,
    activation REAL NOT NULL,
    PRIMARY KEY (scan_id, token, layer, neuron)
);
CREATE INDEX neuroscope_token_by_act ON neuroscope_token (scan_id, token, activation DESC);
