package org.interplab.dashboard.reproductions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import jakarta.ws.rs.core.Response;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.client.AnalysisClient;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.entity.Experiment;

/**
 * The Reproductions page's figures, computed from the runs in the database (and, for table measures, the circuit
 * tables the analysis service stored for a run's latest analysed checkpoint): per claim, every run of its preset
 * (matching its overrides), each run's figure, the latest figure, and how many seeds agree with the seed's claim.
 */
@ApplicationScoped
public class ReproductionService {
    @Inject
    AnalysisClient analysis;

    /** One run behind a claim: its figure (null while it runs, or why it has none in {@code missing}). */
    public record RunFigure(UUID experimentId, String name, long seed, String status, Instant createdAt,
                            Double value, Boolean agrees, String missing) {
    }

    /**
     * A claim with its figures. {@code latest} is the newest completed run with a figure; {@code seedsAgree} of
     * {@code seedsMeasured} counts each seed once (its newest run with a figure). {@code request} is the body for
     * POST /api/experiments that runs the claim's preset (add {@code "grid": {"seed": [..]}} for several seeds).
     */
    public record ClaimView(String id, String source, String claim, String seedFigure, String preset,
                            Map<String, Object> overrides, int seeds, String measure, String agreeWhen,
                            String notes, Map<String, Object> request, RunFigure latest, int seedsAgree, int seedsMeasured,
                            List<RunFigure> runs) {
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public List<ClaimView> all() {
        Map<String, List<Experiment>> byPreset = new LinkedHashMap<>();
        for (Claim c : Claims.ALL) {
            byPreset.computeIfAbsent(c.preset(), p -> Experiment.list("preset = ?1 and archivedAt is null",
                    Sort.descending("createdAt"), p));
        }
        Map<UUID, JsonNode> tableCache = new LinkedHashMap<>();
        return Claims.ALL.stream().map(c -> view(c, byPreset.get(c.preset()), tableCache)).toList();
    }

    @Transactional(Transactional.TxType.SUPPORTS)
    public ClaimView one(Claim claim) {
        List<Experiment> runs = Experiment.list("preset = ?1 and archivedAt is null", Sort.descending("createdAt"),
                claim.preset());
        return view(claim, runs, new LinkedHashMap<>());
    }

    ClaimView view(Claim claim, List<Experiment> runsOfPreset, Map<UUID, JsonNode> tableCache) {
        List<RunFigure> figures = new ArrayList<>();
        for (Experiment e : runsOfPreset) {
            if (claim.matches(Json.read(e.spec, JsonNode.class))) {
                figures.add(figure(claim, e, tableCache));
            }
        }
        RunFigure latest = figures.stream().filter(f -> f.value() != null).findFirst().orElse(null);
        Map<Long, RunFigure> perSeed = new LinkedHashMap<>();
        figures.stream().filter(f -> f.value() != null).forEach(f -> perSeed.putIfAbsent(f.seed(), f));
        int agree = (int) perSeed.values().stream().filter(f -> Boolean.TRUE.equals(f.agrees())).count();
        return new ClaimView(claim.id(), claim.source(), claim.claim(), claim.seedFigure(), claim.preset(),
                claim.overrides() == null ? null : asMap(claim.overrides()), claim.seeds(), describe(claim.measure()), claim.agree().describe(), claim.notes(),
                asMap(request(claim)), latest, agree, perSeed.size(), figures);
    }

    static ObjectNode request(Claim claim) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("preset", claim.preset());
        if (claim.overrides() != null) {
            body.set("overrides", claim.overrides().deepCopy());
        }
        return body;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(ObjectNode node) {
        return Json.MAPPER.convertValue(node, Map.class); // the REST layer writes maps, not Jackson trees
    }

    static String describe(Claim.Measure m) {
        if (m.metric() != null) {
            return m.label() + " (metric " + m.metric() + " at the run's last evaluation)";
        }
        String cell = m.row() != null ? "row " + m.row() + ", column " + m.col()
                : "rows with " + m.col() + " > " + m.countRowsAbove();
        return m.label() + " (table " + m.table() + ", " + cell + ", latest analysed checkpoint)";
    }

    private RunFigure figure(Claim claim, Experiment e, Map<UUID, JsonNode> tableCache) {
        Double value = null;
        String missing = null;
        if (e.status != RunStatus.COMPLETED) {
            missing = "run is " + e.status.name().toLowerCase();
        } else if (claim.measure().metric() != null) {
            JsonNode metrics = e.lastMetrics == null ? null : Json.read(e.lastMetrics, JsonNode.class);
            JsonNode v = metrics == null ? null : metrics.get(claim.measure().metric());
            if (v != null && v.isNumber()) {
                value = v.asDouble();
            } else {
                missing = "no metric " + claim.measure().metric();
            }
        } else {
            try {
                value = fromTable(claim.measure(), e.id, tableCache);
            } catch (MissingFigure m) {
                missing = m.getMessage();
            }
        }
        return new RunFigure(e.id, e.name, e.seed, e.status.name(), e.createdAt, value,
                value == null ? null : claim.agree().test(value), missing);
    }

    static final class MissingFigure extends Exception {
        MissingFigure(String message) {
            super(message);
        }
    }

    private Double fromTable(Claim.Measure m, UUID experimentId, Map<UUID, JsonNode> tableCache)
            throws MissingFigure {
        UUID checkpoint = latestAnalysed(experimentId, m.table());
        if (checkpoint == null) {
            throw new MissingFigure("no analysed checkpoint with table " + m.table());
        }
        JsonNode table = tableCache.get(checkpoint);
        if (table == null || !m.table().equals(table.path("name").asText())) {
            table = fetch(checkpoint, m.table());
            tableCache.put(checkpoint, table);
        }
        return cell(m, table);
    }

    /** The figure of a table as the analysis service returns it ({rowLabels, colLabels, values}). */
    static double cell(Claim.Measure m, JsonNode table) throws MissingFigure {
        List<String> rows = labels(table.get("rowLabels")), cols = labels(table.get("colLabels"));
        int col = cols.indexOf(m.col());
        if (col < 0) {
            throw new MissingFigure("table " + m.table() + " has no column " + m.col());
        }
        JsonNode values = table.get("values");
        if (m.row() == null) {
            int count = 0;
            for (JsonNode row : values) {
                count += row.get(col).asDouble() > m.countRowsAbove() ? 1 : 0;
            }
            return count;
        }
        int row = rows.indexOf(m.row());
        if (row < 0) {
            throw new MissingFigure("table " + m.table() + " has no row " + m.row());
        }
        return values.get(row).get(col).asDouble();
    }

    private static List<String> labels(JsonNode array) {
        List<String> out = new ArrayList<>();
        if (array instanceof ArrayNode a) {
            a.forEach(n -> out.add(n.asText()));
        }
        return out;
    }

    /** The run's analysed checkpoint with the latest step whose tables include {@code table}. */
    static UUID latestAnalysed(UUID experimentId, String table) {
        Map<UUID, Long> steps = new LinkedHashMap<>();
        CheckpointRecord.<CheckpointRecord>list("experimentId", experimentId).forEach(c -> steps.put(c.checkpointId,
                c.step));
        return AnalysisRecord.<AnalysisRecord>list("experimentId", experimentId).stream()
                .filter(a -> List.of(Json.read(a.tables, String[].class)).contains(table))
                .max(Comparator.comparingLong((AnalysisRecord a) -> steps.getOrDefault(a.checkpointId, -1L))
                        .thenComparing(a -> a.completedAt))
                .map(a -> a.checkpointId).orElse(null);
    }

    private JsonNode fetch(UUID checkpoint, String table) throws MissingFigure {
        try (Response r = analysis.table(checkpoint, table, null, null, null, null)) {
            if (r.getStatus() != 200) {
                throw new MissingFigure("analysis service answered " + r.getStatus() + " for " + table);
            }
            return Json.read(r.readEntity(String.class), JsonNode.class);
        } catch (RuntimeException e) {
            throw new MissingFigure("analysis service unavailable: " + e.getMessage());
        }
    }
}
