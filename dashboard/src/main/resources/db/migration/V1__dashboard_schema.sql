-- The dashboard's own tables (schema "dashboard"). Other services read them only through the public REST API.
-- JSON documents are stored as text: the dashboard reads and writes them whole, and Hibernate only validates.

-- One submitted experiment and the latest state reported by the trainer on training.progress.
CREATE TABLE experiment (
    id            uuid PRIMARY KEY,
    name          text        NOT NULL,
    preset        text,
    task          text        NOT NULL,                -- spec.task.kind, kept apart for filtering
    spec          text        NOT NULL,                -- the full ExperimentSpec as JSON
    seed          bigint      NOT NULL,
    tags          text,                                -- JSON array of strings
    status        text        NOT NULL,                -- org.interplab.contracts.events.RunStatus
    step          bigint      NOT NULL DEFAULT 0,
    total_steps   bigint      NOT NULL DEFAULT 0,
    last_metrics  text,                                -- JSON object, metrics at the latest evaluated step
    backend       text,
    error_message text,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE INDEX experiment_created_at_idx ON experiment (created_at DESC);
CREATE INDEX experiment_status_idx ON experiment (status);

-- The loss/accuracy curve: one row per evaluated step, upserted so that a replayed event changes nothing.
CREATE TABLE metric_point (
    experiment_id uuid   NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
    step          bigint NOT NULL,
    metrics       text   NOT NULL,                     -- JSON object
    PRIMARY KEY (experiment_id, step)
);

-- The dashboard's record of checkpoints published by the trainer (weights stay with the trainer).
-- experiment_id is null for an uploaded model.
CREATE TABLE checkpoint (
    checkpoint_id    uuid PRIMARY KEY,
    experiment_id    uuid REFERENCES experiment (id) ON DELETE CASCADE,
    step             bigint      NOT NULL,
    final_checkpoint boolean     NOT NULL,
    metrics          text,                             -- JSON object
    created_at       timestamptz NOT NULL
);
CREATE INDEX checkpoint_experiment_idx ON checkpoint (experiment_id, step);

-- Which analysis tables exist for a checkpoint (the tables themselves stay with the analysis service).
CREATE TABLE analysis (
    checkpoint_id uuid PRIMARY KEY,
    experiment_id uuid REFERENCES experiment (id) ON DELETE CASCADE,
    tables        text        NOT NULL,                -- JSON array of table names
    failed_tables text        NOT NULL,                -- JSON array of table names that failed
    completed_at  timestamptz NOT NULL
);
CREATE INDEX analysis_experiment_idx ON analysis (experiment_id);
