package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.hibernate.query.NativeQuery;
import org.interplab.contracts.Json;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.contracts.events.AnalysisCompleted;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.dashboard.entity.Experiment;

/**
 * Applies the trainer's and the analysis service's events to the dashboard's tables. Delivery is at-least-once,
 * so every method is idempotent: rows are upserted by their natural key, and a replayed or late event never moves
 * an experiment backwards (RUNNING never returns to QUEUED, a terminal status is final).
 */
@ApplicationScoped
@Transactional
public class EventIngestService {
    private static final String UPSERT_METRIC_POINT = """
            INSERT INTO {h-schema}metric_point (experiment_id, step, metrics) VALUES (:experimentId, :step, :metrics)
            ON CONFLICT (experiment_id, step) DO UPDATE SET metrics = EXCLUDED.metrics
            WHERE metric_point.metrics IS DISTINCT FROM EXCLUDED.metrics""";
    private static final String INSERT_CHECKPOINT = """
            INSERT INTO {h-schema}checkpoint (checkpoint_id, experiment_id, step, final_checkpoint, metrics, created_at,
                                              source, name, spec)
            VALUES (:checkpointId, :experimentId, :step, :finalCheckpoint, :metrics, :createdAt, :source, :name, :spec)
            ON CONFLICT (checkpoint_id) DO UPDATE SET metrics = COALESCE(checkpoint.metrics, EXCLUDED.metrics),
                spec = COALESCE(checkpoint.spec, EXCLUDED.spec)
            WHERE checkpoint.metrics IS NULL OR checkpoint.spec IS NULL""";
    private static final String UPSERT_ANALYSIS = """
            INSERT INTO {h-schema}analysis (checkpoint_id, experiment_id, tables, failed_tables, completed_at)
            VALUES (:checkpointId, :experimentId, :tables, :failedTables, :completedAt)
            ON CONFLICT (checkpoint_id) DO UPDATE SET experiment_id = EXCLUDED.experiment_id,
                tables = EXCLUDED.tables, failed_tables = EXCLUDED.failed_tables, completed_at = EXCLUDED.completed_at
            WHERE (analysis.tables, analysis.failed_tables, analysis.completed_at)
                IS DISTINCT FROM (EXCLUDED.tables, EXCLUDED.failed_tables, EXCLUDED.completed_at)""";

    private static final String UPSERT_LM_SAMPLE = """
            INSERT INTO {h-schema}lm_sample (experiment_id, step, samples) VALUES (:experimentId, :step, :samples)
            ON CONFLICT (experiment_id, step) DO UPDATE SET samples = EXCLUDED.samples""";

    @Inject
    EntityManager em;

    /** A language-model run's sample generations by checkpoint step, oldest first: [{step, samples: {..}}]. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Map<String, Object>> lmSamples(UUID experimentId) {
        @SuppressWarnings("unchecked")
        List<Object[]> rows = em.createNativeQuery(
                "SELECT step, samples FROM {h-schema}lm_sample WHERE experiment_id = :id ORDER BY step")
                .setParameter("id", experimentId).getResultList();
        return rows.stream().map(r -> Map.<String, Object>of("step", ((Number) r[0]).longValue(),
                "samples", Json.read((String) r[1], Map.class))).toList();
    }

    @Inject
    Event<LiveEvent> live;

    /** @return whether the event was applied (false: unknown experiment, ignored). */
    public boolean applyProgress(TrainingProgress p) {
        if (p.experimentId() == null) {
            Log.warnf("training.progress without experimentId ignored: %s", p);
            return false;
        }
        Experiment e = em.find(Experiment.class, p.experimentId());
        if (e == null) {
            Log.warnf("training.progress for unknown experiment %s ignored (step %d, %s)", p.experimentId(),
                    p.step(), p.status());
            return false;
        }
        boolean hasMetrics = p.metrics() != null && !p.metrics().isEmpty();
        if (p.samples() != null && !p.samples().isEmpty()) {
            em.createNativeQuery(UPSERT_LM_SAMPLE)
                    .setParameter("experimentId", p.experimentId())
                    .setParameter("step", p.step())
                    .setParameter("samples", Json.write(p.samples()))
                    .executeUpdate();
        }
        if (hasMetrics) {
            em.createNativeQuery(UPSERT_METRIC_POINT)
                    .setParameter("experimentId", p.experimentId())
                    .setParameter("step", p.step())
                    .setParameter("metrics", Json.write(p.metrics()))
                    .executeUpdate();
        }
        boolean changed = false;
        if (p.status() != null && advances(e.status, p.status())) {
            e.status = p.status();
            Instant at = p.at() != null ? p.at() : Instant.now();
            if (p.status() == RunStatus.RUNNING && e.startedAt == null) {
                e.startedAt = at;
            }
            if (p.status().isTerminal()) {
                e.finishedAt = at;
            }
            changed = true;
        }
        if (p.step() >= e.step) {
            changed |= e.step != p.step();
            e.step = p.step();
            if (hasMetrics) {
                String metrics = Json.write(p.metrics());
                changed |= !metrics.equals(e.lastMetrics);
                e.lastMetrics = metrics;
            }
        }
        if (p.totalSteps() > 0 && p.totalSteps() != e.totalSteps) {
            e.totalSteps = p.totalSteps();
            changed = true;
        }
        if (p.backend() != null && !p.backend().equals(e.backend)) {
            e.backend = p.backend();
            changed = true;
        }
        if (p.codeVersion() != null && !p.codeVersion().equals(e.codeVersion)) {
            e.codeVersion = p.codeVersion();
            changed = true;
        }
        if (e.status == p.status() && (p.status() == RunStatus.FAILED || p.status() == RunStatus.CANCELLED)
                && p.message() != null && !p.message().equals(e.errorMessage)) {
            e.errorMessage = p.message();
            changed = true;
        }
        if (changed) {
            e.updatedAt = Instant.now();
        }
        live.fire(new LiveEvent(e.id, LiveEvent.PROGRESS, p));
        return true;
    }

    /** A native statement whose nullable parameters can be bound with their type (a bare null has none). */
    private NativeQuery<?> nativeQuery(String sql) {
        return em.createNativeQuery(sql).unwrap(NativeQuery.class);
    }

    /** A status may only move forward: QUEUED → RUNNING → one terminal status, which is final. */
    static boolean advances(RunStatus current, RunStatus next) {
        if (current == next || current.isTerminal()) {
            return false;
        }
        return next.isTerminal() || next.ordinal() > current.ordinal();
    }

    /**
     * Records a checkpoint: of a known experiment ("trained"), or without one: an upload or a reference
     * construction (told apart by {@link ReferenceCheckpoints#isReference}).
     *
     * @return whether the checkpoint was recorded now or before (false: unknown experiment, ignored)
     */
    public boolean recordCheckpoint(CheckpointPublished c) {
        if (c.checkpointId() == null) {
            Log.warnf("checkpoints.published without checkpointId ignored: %s", c);
            return false;
        }
        Experiment experiment = null;
        if (c.experimentId() != null) {
            experiment = em.find(Experiment.class, c.experimentId());
            if (experiment == null) {
                Log.warnf("checkpoint %s of unknown experiment %s ignored", c.checkpointId(), c.experimentId());
                return false;
            }
        }
        String source = experiment != null ? ReferenceCheckpoints.SOURCE_TRAINED
                : ReferenceCheckpoints.isReference(c.checkpointId()) ? ReferenceCheckpoints.SOURCE_REFERENCE
                : ReferenceCheckpoints.SOURCE_UPLOADED;
        String name = experiment != null ? experiment.name
                : c.spec() != null && c.spec().name() != null ? c.spec().name() : "uploaded model";
        insertCheckpoint(c.checkpointId(), c.experimentId(), c.step(), c.finalCheckpoint(), c.metrics(),
                Objects.requireNonNullElseGet(c.at(), Instant::now), source, name,
                experiment != null || c.spec() == null ? null : Json.write(c.spec()));
        if (c.experimentId() != null) {
            // The spec is the experiment's own; the browser needs only what identifies the checkpoint.
            live.fire(new LiveEvent(c.experimentId(), LiveEvent.CHECKPOINT, Map.of(
                    "checkpointId", c.checkpointId(), "step", c.step(), "finalCheckpoint", c.finalCheckpoint(),
                    "metrics", c.metrics() == null ? Map.of() : c.metrics())));
        }
        return true;
    }

    /** Insert-if-absent (a row recorded without metrics or spec gets them); replays change nothing. */
    public void insertCheckpoint(UUID checkpointId, UUID experimentId, long step, boolean finalCheckpoint,
                                 Map<String, Double> metrics, Instant at, String source, String name, String spec) {
        nativeQuery(INSERT_CHECKPOINT)
                .setParameter("checkpointId", checkpointId)
                .setParameter("experimentId", experimentId, UUID.class)
                .setParameter("step", step)
                .setParameter("finalCheckpoint", finalCheckpoint)
                .setParameter("metrics", metrics == null ? null : Json.write(metrics),
                        String.class)
                .setParameter("createdAt", at)
                .setParameter("source", source)
                .setParameter("name", name, String.class)
                .setParameter("spec", spec, String.class)
                .executeUpdate();
    }

    /** @return whether the analysis was recorded (false: unknown experiment, ignored). */
    public boolean recordAnalysis(AnalysisCompleted a) {
        if (a.checkpointId() == null) {
            Log.warnf("analysis.completed without checkpointId ignored: %s", a);
            return false;
        }
        if (a.experimentId() != null && em.find(Experiment.class, a.experimentId()) == null) {
            Log.warnf("analysis of checkpoint %s of unknown experiment %s ignored", a.checkpointId(),
                    a.experimentId());
            return false;
        }
        nativeQuery(UPSERT_ANALYSIS)
                .setParameter("checkpointId", a.checkpointId())
                .setParameter("experimentId", a.experimentId(), UUID.class)
                .setParameter("tables", Json.write(a.tables() == null ? List.of() : a.tables()))
                .setParameter("failedTables", Json.write(a.failedTables() == null ? List.of() : a.failedTables()))
                .setParameter("completedAt", Objects.requireNonNullElseGet(a.at(), Instant::now))
                .executeUpdate();
        if (a.experimentId() != null) {
            live.fire(new LiveEvent(a.experimentId(), LiveEvent.ANALYSIS, a));
        }
        return true;
    }
}
