-- Sweeps: a base spec and a grid (field path -> list of values) expanded to one experiment per point.
CREATE TABLE sweep (
    id          uuid PRIMARY KEY,
    name        text        NOT NULL,
    preset      text,                                  -- the preset the base spec came from, if any
    base_spec   text        NOT NULL,                  -- JSON: the spec the grid is applied to
    grid        text        NOT NULL,                  -- JSON object: field path -> list of values
    point_count integer     NOT NULL,
    created_at  timestamptz NOT NULL
);
CREATE INDEX sweep_created_at_idx ON sweep (created_at DESC);

ALTER TABLE experiment ADD COLUMN sweep_id uuid REFERENCES sweep (id) ON DELETE CASCADE;
ALTER TABLE experiment ADD COLUMN grid_point text;        -- JSON object: field path -> value at this point
CREATE INDEX experiment_sweep_idx ON experiment (sweep_id);

-- Every model the lab knows is a checkpoint: trained here, uploaded, or a hand-built reference construction.
-- name and spec come from the CheckpointPublished event (uploads and references have no experiment row).
ALTER TABLE checkpoint ADD COLUMN source text NOT NULL DEFAULT 'trained';  -- trained | uploaded | reference
ALTER TABLE checkpoint ADD COLUMN name text;
ALTER TABLE checkpoint ADD COLUMN spec text;                               -- JSON ExperimentSpec
CREATE INDEX checkpoint_source_idx ON checkpoint (source, created_at DESC);
