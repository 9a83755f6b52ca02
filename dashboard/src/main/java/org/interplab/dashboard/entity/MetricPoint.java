package org.interplab.dashboard.entity;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.util.Objects;
import java.util.UUID;

/** One evaluated step of a run's curve. Written with an upsert (see ProgressService), read through Panache. */
@Entity
@Table(name = "metric_point")
@IdClass(MetricPoint.Key.class)
public class MetricPoint extends PanacheEntityBase {
    @Id
    @Column(name = "experiment_id")
    public UUID experimentId;

    @Id
    public long step;

    /** JSON object of metric name → value. */
    @Column(nullable = false, columnDefinition = "text")
    public String metrics;

    /** Composite key (experiment_id, step). */
    public static class Key implements Serializable {
        public UUID experimentId;
        public long step;

        @Override
        public boolean equals(Object o) {
            return o instanceof Key k && Objects.equals(experimentId, k.experimentId) && step == k.step;
        }

        @Override
        public int hashCode() {
            return Objects.hash(experimentId, step);
        }
    }
}
