package org.interplab.analysis.entity;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

@Entity
@Table(name = "analysis_run")
public class AnalysisRun {
    @Id
    @Column(name = "checkpoint_id")
    public UUID checkpointId;
    @Column(name = "experiment_id")
    public UUID experimentId;
    public String status;
    /** Training step of the checkpoint (null for runs stored before V3). */
    public Long step;
    @Column(name = "tables_ok")
    public int tablesOk;
    @Column(name = "tables_failed")
    public int tablesFailed;
    public String error;
    @Column(name = "started_at")
    public Instant startedAt;
    @Column(name = "completed_at")
    public Instant completedAt;
}
