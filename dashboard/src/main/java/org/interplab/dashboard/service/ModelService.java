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

    /** Origins a model can be listed by: the stored sources, and {@code imported} (an upload from Hugging Face). */
    public static final String IMPORTED = "imported";

    /** Newest first; each filter optional. */
    public List<CheckpointRecord> list(String source, Boolean finalOnly, int limit) {
        return list(source, finalOnly, null, 0, limit);
    }

    /** One page, newest first; {@code q} matches the name or the spec's text. */
    public List<CheckpointRecord> list(String source, Boolean finalOnly, String q, int offset, int limit) {
        Where w = where(source, finalOnly, q);
        Sort newestFirst = Sort.descending("createdAt").and("checkpointId");
        var query = w.query.isEmpty() ? CheckpointRecord.<CheckpointRecord>findAll(newestFirst)
                : CheckpointRecord.<CheckpointRecord>find(w.query, newestFirst, w.params);
        return query.range(offset, offset + limit - 1).list();
    }

    /** How many models the filters keep, over all pages. */
    public long count(String source, Boolean finalOnly, String q) {
        Where w = where(source, finalOnly, q);
        return w.query.isEmpty() ? CheckpointRecord.count() : CheckpointRecord.count(w.query, w.params);
    }

    private record Where(String query, Parameters params) {
    }

    private static Where where(String source, Boolean finalOnly, String q) {
        List<String> where = new ArrayList<>();
        Parameters params = new Parameters();
        if (IMPORTED.equals(source)) {
            where.add("source = :source and spec like :hf");
            params = params.and("source", "uploaded").and("hf", "%\"huggingface\"%");
        } else if (source != null) {
            where.add("source = :source");
            params = params.and("source", source);
        }
        if (Boolean.TRUE.equals(finalOnly)) {
            where.add("finalCheckpoint = true");
        }
        if (q != null && !q.isBlank()) {
            where.add("(lower(coalesce(name, '')) like :q or lower(coalesce(spec, '')) like :q)");
            params = params.and("q", "%" + q.toLowerCase(java.util.Locale.ROOT) + "%");
        }
        return new Where(String.join(" and ", where), params);
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
