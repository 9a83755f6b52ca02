package org.interplab.analysis.service;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.interplab.analysis.entity.AnalysisRun;
import org.interplab.analysis.entity.AnalysisTableRow;
import org.interplab.contracts.Json;
import org.interplab.core.circuits.CircuitTable;
import org.interplab.core.circuits.TableResult;

/** analysis_run and analysis_table: all of a checkpoint's tables are stored in one transaction, or none. */
@ApplicationScoped
@Transactional
public class AnalysisStore {
    @Inject
    EntityManager em;

    public boolean isComplete(UUID checkpointId) {
        AnalysisRun run = em.find(AnalysisRun.class, checkpointId);
        return run != null && "COMPLETED".equals(run.status);
    }

    public void save(UUID checkpointId, UUID experimentId, long step, List<TableResult> results) {
        AnalysisRun run = em.find(AnalysisRun.class, checkpointId);
        boolean isNew = run == null;
        if (isNew) {
            run = new AnalysisRun();
            run.checkpointId = checkpointId;
            run.startedAt = Instant.now();
        } else {
            em.createQuery("delete from AnalysisTableRow t where t.checkpointId = :c")
                    .setParameter("c", checkpointId).executeUpdate();
        }
        run.experimentId = experimentId;
        run.step = step;
        run.status = "COMPLETED";
        run.completedAt = Instant.now();
        run.tablesOk = (int) results.stream().filter(r -> r.table() != null).count();
        run.tablesFailed = results.size() - run.tablesOk;
        if (isNew) {
            em.persist(run);
        }
        for (TableResult result : results) {
            AnalysisTableRow row = new AnalysisTableRow();
            row.checkpointId = checkpointId;
            row.name = result.name();
            row.error = result.error();
            CircuitTable table = result.table();
            if (table != null) {
                row.kind = table.kind();
                row.title = table.title();
                row.nRows = table.rowLabels().size();
                row.nCols = table.colLabels().size();
                row.meta = Json.write(TableMeta.of(table));
                row.data = TableMeta.values(table);
            }
            em.persist(row);
        }
    }

    /** The analysed checkpoints of an experiment up to a step, oldest first. */
    public List<AnalysisRun> runsUpTo(UUID experimentId, long step) {
        return em.createQuery("""
                        select r from AnalysisRun r where r.experimentId = :e and r.step is not null and r.step <= :s
                        order by r.step""", AnalysisRun.class)
                .setParameter("e", experimentId).setParameter("s", step).getResultList();
    }

    public Optional<AnalysisRun> run(UUID checkpointId) {
        return Optional.ofNullable(em.find(AnalysisRun.class, checkpointId));
    }

    /** The index of a checkpoint's tables, without their bodies. */
    public List<AnalysisTableRow> index(UUID checkpointId) {
        return em.createQuery("""
                        select new org.interplab.analysis.entity.AnalysisTableRow(t.checkpointId, t.name, t.kind,
                               t.title, t.nRows, t.nCols, t.error)
                        from AnalysisTableRow t where t.checkpointId = :c order by t.name""", AnalysisTableRow.class)
                .setParameter("c", checkpointId).getResultList();
    }

    /** One table: its description and float32 values, or the error that stopped it. */
    public record StoredTable(TableMeta meta, byte[] data, String error) {
    }

    public Optional<StoredTable> table(UUID checkpointId, String name) {
        return Optional.ofNullable(em.find(AnalysisTableRow.class, new AnalysisTableRow.Key(checkpointId, name)))
                .map(row -> new StoredTable(row.meta == null ? null : Json.read(row.meta, TableMeta.class),
                        row.data, row.error));
    }
}
