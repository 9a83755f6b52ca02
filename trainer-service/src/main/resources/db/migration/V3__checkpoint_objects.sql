-- Checkpoint bytes move out of PostgreSQL into the object store (org.interplab.storage.ObjectStore): a row keeps the
-- object keys, sizes and sha256s. size_bytes stays the size of the weights file.
-- Rows written before this version still hold their bytes in the BYTEA columns weights/optimizer;
-- org.interplab.trainer.storage.LegacyCheckpointMigration moves them to the store at start-up (row by row,
-- idempotent, restartable) and clears the columns. The columns are dropped by a later migration, once every
-- installation has started this version.
ALTER TABLE checkpoint
    ADD COLUMN weights_key          TEXT,
    ADD COLUMN weights_sha256       VARCHAR(64),
    ADD COLUMN optimizer_key        TEXT,
    ADD COLUMN optimizer_size_bytes BIGINT,
    ADD COLUMN optimizer_sha256     VARCHAR(64),
    ALTER COLUMN weights DROP NOT NULL;
-- the rows the start-up migration still has to move
CREATE INDEX checkpoint_legacy_bytes_idx ON checkpoint (created_at) WHERE weights_key IS NULL;
