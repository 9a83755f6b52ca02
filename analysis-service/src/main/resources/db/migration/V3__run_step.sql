-- The training step of the analysed checkpoint, so that tables over a run's checkpoints can be ordered by step.
ALTER TABLE analysis_run ADD COLUMN step BIGINT;
