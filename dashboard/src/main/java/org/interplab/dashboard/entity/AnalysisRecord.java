package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** Which circuit tables the analysis service stored for a checkpoint; the tables stay with the analysis service. */
@Entity
@Table(name = "analysis")
public class AnalysisRecord extends PanacheEntityBase {
    @Id
    @Column(name = "checkpoint_id")
    public UUID checkpointId;

    @Column(name = "experiment_id")
    public UUID experimentId;

    /** JSON array of table names. */
    @Column(nullable = false, columnDefinition = "text")
    public String tables;

    /** JSON array of the names of tables whose computation failed. */
    @Column(name = "failed_tables", nullable = false, columnDefinition = "text")
    public String failedTables;

    @Column(name = "completed_at", nullable = false)
    public Instant completedAt;
}
