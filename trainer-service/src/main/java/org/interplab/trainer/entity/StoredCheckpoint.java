package org.interplab.trainer.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A checkpoint: the model as a safetensors file with TransformerLens names (the weights object, what researchers
 * download) and, for trained runs, the optimizer state as a second safetensors file (what resuming needs). The files
 * live in the object store; the row keeps their keys, sizes and sha256s. (Rows written before V3 may still hold
 * their bytes in the BYTEA columns {@code weights}/{@code optimizer}, which this entity does not map:
 * {@link org.interplab.trainer.storage.LegacyCheckpointMigration} moves them to the store.)
 */
@Entity
@Table(name = "checkpoint")
public class StoredCheckpoint extends PanacheEntityBase {
    @Id
    public UUID id;
    @Column(name = "experiment_id")
    public UUID experimentId;
    public long step;
    @Column(name = "is_final")
    public boolean isFinal;
    /** "trained", "uploaded" or "reference" (org.interplab.contracts.checkpoints.ReferenceCheckpoints.SOURCES). */
    public String source;
    /** Object-store key of the weights file; null only for a row the legacy migration has not moved yet. */
    @Column(name = "weights_key")
    public String weightsKey;
    @Column(name = "weights_sha256")
    public String weightsSha256;
    /** Object-store key of the optimizer-state file; null when the checkpoint has none (uploads, references). */
    @Column(name = "optimizer_key")
    public String optimizerKey;
    @Column(name = "optimizer_size_bytes")
    public Long optimizerSizeBytes;
    @Column(name = "optimizer_sha256")
    public String optimizerSha256;
    /** The safetensors {@code __metadata__} map as JSON (spec, step, metrics, seed, code version, backend). */
    public String metadata;
    /** Size of the weights file in bytes. */
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "created_at")
    public Instant createdAt;
    /** When CheckpointPublished went out for an uploaded or reference checkpoint; null until then. */
    @Column(name = "published_at")
    public Instant publishedAt;
}
