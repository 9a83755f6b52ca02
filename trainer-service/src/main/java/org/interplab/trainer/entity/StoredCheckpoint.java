package org.interplab.trainer.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Basic;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * A checkpoint: the model as a safetensors file with TransformerLens names ({@code weights}, what researchers
 * download) and, for trained runs, the optimizer state as a second safetensors file (what resuming needs).
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
    @Basic(fetch = FetchType.LAZY)
    public byte[] weights;
    @Basic(fetch = FetchType.LAZY)
    public byte[] optimizer;
    /** The safetensors {@code __metadata__} map as JSON (spec, step, metrics, seed, code version, backend). */
    public String metadata;
    @Column(name = "size_bytes")
    public long sizeBytes;
    @Column(name = "created_at")
    public Instant createdAt;
    /** When CheckpointPublished went out for an uploaded or reference checkpoint; null until then. */
    @Column(name = "published_at")
    public Instant publishedAt;
}
