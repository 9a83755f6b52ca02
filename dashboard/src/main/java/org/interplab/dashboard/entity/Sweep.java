package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** A submitted sweep: a base spec and its grid; its experiments point to it with {@code sweep_id}. */
@Entity
@Table(name = "sweep")
public class Sweep extends PanacheEntityBase {
    @Id
    public UUID id;

    @Column(nullable = false)
    public String name;

    public String preset;

    /** The spec the grid is applied to, as JSON. */
    @Column(name = "base_spec", nullable = false, columnDefinition = "text")
    public String baseSpec;

    /** JSON object: field path → list of values. */
    @Column(nullable = false, columnDefinition = "text")
    public String grid;

    @Column(name = "point_count", nullable = false)
    public int pointCount;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    /** The username of who submitted it. */
    public String owner;
}
