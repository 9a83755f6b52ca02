package org.interplab.dashboard.service;

import io.quarkus.logging.Log;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.Sweep;

/** Stores sweeps (the sweep row and one experiment per point, together) and reads them back with their counts. */
@ApplicationScoped
@Transactional
public class SweepService {

    @Inject
    EntityManager em;

    /** A stored sweep and its experiments in grid order. */
    public record Created(Sweep sweep, List<Experiment> experiments) {
    }

    /** Stores the sweep, all its experiments as QUEUED and their request events (outbox) in one transaction. */
    @Transactional(Transactional.TxType.REQUIRES_NEW)
    public Created create(SweepSubmission submission, String owner) {
        Sweep sweep = new Sweep();
        sweep.owner = owner;
        sweep.id = UUID.randomUUID();
        sweep.name = submission.name();
        sweep.preset = submission.preset();
        sweep.baseSpec = Json.write(submission.baseSpec());
        sweep.grid = Json.write(submission.grid());
        sweep.pointCount = submission.points().size();
        sweep.createdAt = Instant.now();
        sweep.persist();
        List<Experiment> experiments = new ArrayList<>();
        for (int i = 0; i < submission.points().size(); i++) {
            Experiment e = ExperimentService.newExperiment(submission.points().get(i), sweep.id);
            // one microsecond apart (PostgreSQL's resolution), so that creation order is grid order
            e.createdAt = sweep.createdAt.plusNanos(1000L * i);
            e.updatedAt = e.createdAt;
            e.owner = owner;
            e.persist();
            OutboxRelay.enqueue(e); // each run's request event commits with the sweep
            experiments.add(e);
        }
        Log.infof("sweep %s (%s) stored with %d experiments", sweep.id, sweep.name, experiments.size());
        return new Created(sweep, experiments);
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Sweep> list(int limit) {
        return Sweep.<Sweep>findAll(Sort.descending("createdAt").and("id")).page(0, limit).list();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public Optional<Sweep> find(UUID id) {
        return Sweep.findByIdOptional(id);
    }

    /** The sweep's experiments in grid order (they were created in that order, one transaction). */
    @Transactional(Transactional.TxType.SUPPORTS)
    public List<Experiment> experiments(UUID sweepId) {
        return Experiment.list("sweepId", Sort.ascending("createdAt").and("name"), sweepId);
    }

    /** Experiments per status of each sweep; every status present, zero when none. */
    @Transactional(Transactional.TxType.SUPPORTS)
    public Map<UUID, Map<RunStatus, Long>> counts(List<UUID> sweepIds) {
        Map<UUID, Map<RunStatus, Long>> counts = new HashMap<>();
        for (UUID id : sweepIds) {
            Map<RunStatus, Long> zero = new EnumMap<>(RunStatus.class);
            for (RunStatus s : RunStatus.values()) {
                zero.put(s, 0L);
            }
            counts.put(id, zero);
        }
        if (sweepIds.isEmpty()) {
            return counts;
        }
        List<Object[]> rows = em.createQuery("""
                        select e.sweepId, e.status, count(e) from Experiment e
                        where e.sweepId in :ids group by e.sweepId, e.status""", Object[].class)
                .setParameter("ids", sweepIds).getResultList();
        for (Object[] row : rows) {
            counts.get((UUID) row[0]).put((RunStatus) row[1], ((Number) row[2]).longValue());
        }
        return counts;
    }
}
