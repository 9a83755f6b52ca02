-- Uploaded models and hand-built reference models are checkpoints too (source 'uploaded' / 'reference',
-- experiment_id null). published_at records that CheckpointPublished went out for such a checkpoint: a row stored
-- but not yet announced (Kafka down, crash between the two) is announced again at the next start-up.
ALTER TABLE checkpoint ADD COLUMN published_at TIMESTAMPTZ;
UPDATE checkpoint SET published_at = created_at;
CREATE INDEX checkpoint_source_idx ON checkpoint (source, created_at);
