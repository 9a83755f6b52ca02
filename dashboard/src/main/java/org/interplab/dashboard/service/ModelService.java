package org.interplab.dashboard.service;

import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;

/** Every model the dashboard knows (trained checkpoints, uploads, reference constructions) and its analysis. */
@ApplicationScoped
@Transactional(Transactional.TxType.SUPPORTS)
public class ModelService {

    /** Newest first; each filter optional. */
    public List<CheckpointRecord> list(String source, Boolean finalOnly, int limit) {
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (source != null) {
            where.add("source = :source");
            params = params.and("source", source);
        }
        if (Boolean.TRUE.equals(finalOnly)) {
            where.add("finalCheckpoint = true");
        }
        Sort newestFirst = Sort.descending("createdAt").and("checkpointId");
        var query = where.isEmpty() ? CheckpointRecord.<CheckpointRecord>findAll(newestFirst)
                : CheckpointRecord.<CheckpointRecord>find(String.join(" and ", where), newestFirst, params);
        return query.page(0, limit).list();
    }

    public Optional<CheckpointRecord> find(UUID checkpointId) {
        return CheckpointRecord.findByIdOptional(checkpointId);
    }

    /** The analysis records of these checkpoints, by checkpoint id. */
    public Map<UUID, AnalysisRecord> analyses(List<UUID> checkpointIds) {
        Map<UUID, AnalysisRecord> byId = new HashMap<>();
        if (!checkpointIds.isEmpty()) {
            AnalysisRecord.<AnalysisRecord>list("checkpointId in ?1", checkpointIds)
                    .forEach(a -> byId.put(a.checkpointId, a));
        }
        return byId;
    }
}
