package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A note on a run: markdown source (shown escaped), its author and time. */
@Entity
@Table(name = "experiment_note")
public class ExperimentNote extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(name = "experiment_id", nullable = false)
    public UUID experimentId;

    @Column(nullable = false)
    public String author;

    @Column(nullable = false, columnDefinition = "text")
    public String body;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;
}
