-- Provenance: the code that trained an experiment, from the trainer's training.progress events.
ALTER TABLE experiment ADD COLUMN code_version text;
