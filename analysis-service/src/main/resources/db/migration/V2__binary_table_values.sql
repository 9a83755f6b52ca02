-- Values move out of the JSON body into a row-major little-endian float32 array, so that a large table
-- (e.g. 4096 × 4096) is stored in 64 MiB instead of ~300 MiB of JSON and can be served in slices.
-- meta is the table without its values: name, kind, title, description, axes, labels.
ALTER TABLE analysis_table DROP COLUMN body;
ALTER TABLE analysis_table ADD COLUMN meta TEXT;
ALTER TABLE analysis_table ADD COLUMN data BYTEA;
