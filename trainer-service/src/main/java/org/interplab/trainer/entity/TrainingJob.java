package org.interplab.trainer.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One experiment to train. Created from experiments.requested (idempotently, by experiment id). */
@Entity
@Table(name = "training_job")
public class TrainingJob extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id")
    public UUID experimentId;
    public String spec;
    public String status;
    public long step;
    @Column(name = "total_steps")
    public long totalSteps;
    public int attempts;
    @Column(name = "claimed_by")
    public String claimedBy;
    @Column(name = "heartbeat_at")
    public Instant heartbeatAt;
    @Column(name = "cancel_requested")
    public boolean cancelRequested;
    @Column(name = "last_metrics")
    public String lastMetrics;
    public String error;
    @Column(name = "created_at")
    public Instant createdAt;
    @Column(name = "updated_at")
    public Instant updatedAt;
}
