package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/**
 * The dashboard's record of a checkpoint the trainer published (trained, uploaded or a reference construction);
 * the weights stay with the trainer.
 */
@Entity
@Table(name = "checkpoint")
public class CheckpointRecord extends PanacheEntityBase {
    @Id
    @Column(name = "checkpoint_id")
    public UUID checkpointId;

    /** Null for an uploaded model. */
    @Column(name = "experiment_id")
    public UUID experimentId;

    @Column(nullable = false)
    public long step;

    @Column(name = "final_checkpoint", nullable = false)
    public boolean finalCheckpoint;

    /** JSON object of metric name → value at this step. */
    @Column(columnDefinition = "text")
    public String metrics;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** "trained", "uploaded" or "reference". */
    @Column(nullable = false)
    public String source;

    /** The model's name: its spec's name (uploads, references) or its experiment's. */
    public String name;

    /** The ExperimentSpec that came with the event, as JSON. */
    @Column(columnDefinition = "text")
    public String spec;

    /** Who uploaded it (null for trained checkpoints, which belong to their experiment's owner, and references). */
    public String owner;
}
