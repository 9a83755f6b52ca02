package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;
import org.interplab.contracts.events.RunStatus;

/** A submitted experiment and the latest state the trainer reported for it. JSON documents are stored as text. */
@Entity
@Table(name = "experiment")
public class Experiment extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    /** The preset the spec was expanded from, or null for a full spec. */
    public String preset;

    /** {@code spec.task.kind}, kept in its own column for filtering. */
    @Column(nullable = false)
    public String task;

    /** The full {@link org.interplab.contracts.spec.ExperimentSpec} as JSON. */
    @Column(nullable = false, columnDefinition = "text")
    public String spec;

    @Column(nullable = false)
    public long seed;

    /** JSON array of strings. */
    @Column(columnDefinition = "text")
    public String tags;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    public RunStatus status;

    @Column(nullable = false)
    public long step;

    @Column(name = "total_steps", nullable = false)
    public long totalSteps;

    /** JSON object: the metrics at the latest evaluated step. */
    @Column(name = "last_metrics", columnDefinition = "text")
    public String lastMetrics;

    public String backend;

    /** The code that trained it (git revision of the trainer), as the trainer reports it. */
    @Column(name = "code_version")
    public String codeVersion;

    @Column(name = "error_message", columnDefinition = "text")
    public String errorMessage;

    /** The sweep this experiment is a point of, or null. */
    @Column(name = "sweep_id")
    public UUID sweepId;

    /** JSON object: the grid values of this point (field path → value), or null outside a sweep. */
    @Column(name = "grid_point", columnDefinition = "text")
    public String gridPoint;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** The username of who submitted it (null for runs from before accounts). */
    public String owner;

    /** Set when its owner or an admin archived it: hidden from lists, checkpoints kept. */
    @Column(name = "archived_at")
    public Instant archivedAt;

    /** Who last renamed or retagged it after submit, and when. */
    @Column(name = "edited_by")
    public String editedBy;

    @Column(name = "edited_at")
    public Instant editedAt;

    /** When training started: the first RUNNING progress event (null while queued). */
    @Column(name = "started_at")
    public Instant startedAt;

    /** When the run reached its terminal status. */
    @Column(name = "finished_at")
    public Instant finishedAt;
}
