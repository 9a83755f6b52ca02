package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.MetricPoint;

/** Stores submitted experiments and reads what the dashboard knows about them. */
@ApplicationScoped
@Transactional
public class ExperimentService {

    /**
     * Stores a validated submission as QUEUED with its ExperimentRequested event in the outbox, in one transaction
     * of its own: it has committed when this returns, and the OutboxRelay hands the event to Kafka.
     */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Experiment create(Submission submission, String owner) {
        Experiment e = newExperiment(submission, null);
        e.owner = owner;
        e.persist();
        OutboxRelay.enqueue(e);
        Log.infof("experiment %s (%s, seed %d) stored as QUEUED", e.id, e.name, e.seed);
        return e;
    }

    /** A QUEUED experiment row for the submission, not yet persisted; in a sweep its name carries its grid values. */
    static Experiment newExperiment(Submission submission, UUID sweepId) {
        ExperimentSpec spec = submission.spec();
        Experiment e = new Experiment();
        e.id = UUID.randomUUID();
        String name = spec.name() != null && !spec.name().isBlank() ? spec.name()
                : submission.preset() != null ? submission.preset() : spec.task().kind();
        e.name = submission.label() == null ? name : name + " [" + submission.label() + "]";
        e.preset = submission.preset();
        e.task = spec.task().kind();
        e.spec = Json.write(spec);
        e.seed = spec.seed();
        e.tags = spec.tags() == null ? null : Json.write(spec.tags());
        e.status = RunStatus.QUEUED;
        e.sweepId = sweepId;
        e.gridPoint = submission.gridPoint() == null ? null : Json.write(submission.gridPoint());
        e.createdAt = Instant.now();
        e.updatedAt = e.createdAt;
        return e;
    }

    /** Newest first; each filter is optional. {@code q} matches name, preset, task and tags, case-insensitively. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> list(RunStatus status, String task, String q, int limit) {
        return list(status, task, q, null, limit);
    }

    /** As above; {@code owner} keeps only that user's runs. Archived runs are never listed. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> list(RunStatus status, String task, String q, String owner, int limit) {
        return page(new Filter(status, task, q, owner), Sort.descending("createdAt").and("id"), 0, limit);
    }

    /** What a list of experiments is filtered by; each part optional. */
    public record Filter(RunStatus status, String task, String q, String owner) {
        private String where() {
            List<String> where = new ArrayList<>();
            where.add("archivedAt is null");
            if (owner != null) {
                where.add("owner = :owner");
            }
            if (status != null) {
                where.add("status = :status");
            }
            if (task != null && !task.isBlank()) {
                where.add("task = :task");
            }
            if (q != null && !q.isBlank()) {
                where.add("(lower(name) like :q or lower(coalesce(preset, '')) like :q or lower(task) like :q"
                        + " or lower(coalesce(tags, '')) like :q)");
            }
            return String.join(" and ", where);
        }

        private Parameters params() {
            Parameters params = new Parameters();
            if (owner != null) {
                params = params.and("owner", owner);
            }
            if (status != null) {
                params = params.and("status", status);
            }
            if (task != null && !task.isBlank()) {
                params = params.and("task", task);
            }
            if (q != null && !q.isBlank()) {
                params = params.and("q", "%" + q.toLowerCase(Locale.ROOT) + "%");
            }
            return params;
        }
    }

    /** One page ({@code offset}, {@code limit}) of the filtered experiments in the given order. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> page(Filter filter, Sort sort, int offset, int limit) {
        return Experiment.<Experiment>find(filter.where(), sort, filter.params()).range(offset, offset + limit - 1)
                .list();
    }

    /** Experiments in this status, archived ones not counted. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long countByStatus(RunStatus status) {
        return Experiment.count("status = ?1 and archivedAt is null", status);
    }

    /** How many experiments the filter keeps, over all pages. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public long count(Filter filter) {
        return Experiment.count(filter.where(), filter.params());
    }

    /**
     * The queued runs in the trainer's claim order (oldest request first, as its {@code claimNext}), and the runs
     * training now.
     */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> active() {
        return Experiment.list("status in ?1 and archivedAt is null", Sort.ascending("createdAt").and("id"),
                List.of(RunStatus.QUEUED, RunStatus.RUNNING));
    }

    /** Recently finished runs with both times known, newest first: what a run of this task takes. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> recentlyFinished(int limit) {
        return Experiment.<Experiment>find("status = ?1 and startedAt is not null and finishedAt is not null",
                Sort.descending("finishedAt"), RunStatus.COMPLETED).page(0, limit).list();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Experiment> find(UUID id) {
        return Experiment.findByIdOptional(id);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<MetricPoint> metrics(UUID experimentId) {
        return MetricPoint.list("experimentId", Sort.ascending("step"), experimentId);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<CheckpointRecord> checkpoints(UUID experimentId) {
        return CheckpointRecord.list("experimentId", Sort.ascending("step"), experimentId);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<CheckpointRecord> checkpoint(UUID checkpointId) {
        return CheckpointRecord.findByIdOptional(checkpointId);
    }

    /** The experiments with these ids that exist, in the order asked. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> findAll(List<UUID> ids) {
        java.util.Map<UUID, Experiment> found = new java.util.HashMap<>();
        Experiment.<Experiment>list("id in ?1", ids).forEach(e -> found.put(e.id, e));
        return ids.stream().map(found::get).filter(java.util.Objects::nonNull).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<AnalysisRecord> analyses(UUID experimentId) {
        return AnalysisRecord.list("experimentId", Sort.ascending("completedAt"), experimentId);
    }
}
