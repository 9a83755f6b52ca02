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

    /**
     * One run behind a claim: its figure (null while it runs, or why it has none in {@code missing}). For a
     * comparison claim, {@code measured} is this run's own measure, {@code baseline} the baseline run of its seed
     * it is compared with, and {@code value} the two combined; {@code series} lists the measured column per table
     * row for both runs (e.g. dims per feature per instance, across a run's sparsity sweep), side by side.
     */
    public record RunFigure(UUID experimentId, String name, long seed, String status, Instant createdAt,
                            Double value, Boolean agrees, String missing, Double measured, BaselineFigure baseline,
                            List<SeriesPoint> series) {
        RunFigure(UUID experimentId, String name, long seed, String status, Instant createdAt, Double value,
                  Boolean agrees, String missing) {
            this(experimentId, name, seed, status, createdAt, value, agrees, missing, null, null, null);
        }
    }

    /** The baseline run a comparison claim's run is measured against. */
    public record BaselineFigure(UUID experimentId, String name, String status, Double measured, String missing) {
    }

    /** One row of a table measure: the claim run's value and the baseline run's. */
    public record SeriesPoint(String row, Double value, Double baseline) {
    }

    /** A run's own measure: the figure, or why it has none; with the measured column per row for table measures. */
    record Measured(Double value, String missing, List<String> rows, List<Double> column) {
        static Measured none(String why) {
            return new Measured(null, why, List.of(), List.of());
        }
    }

    /**
     * A claim with its figures. {@code latest} is the newest completed run with a figure; {@code seedsAgree} of
     * {@code seedsMeasured} counts each seed once (its newest run with a figure). {@code request} is the body for
     * POST /api/experiments that runs the claim's preset (add {@code "grid": {"seed": [..]}} for several seeds).
     */
    public record ClaimView(String id, String source, String claim, String seedFigure, String preset,
                            Map<String, Object> overrides, int seeds, String measure, String agreeWhen,
                            String notes, Map<String, Object> request, RunFigure latest, int seedsAgree, int seedsMeasured,
                            List<RunFigure> runs, String compare) {
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
        return one(claim, new LinkedHashMap<>());
    }

    /** {@link #one(Claim)} with tables already read, by checkpoint id (only those not in it are fetched). */
    @Transactional(Transactional.TxType.SUPPORTS)
    ClaimView one(Claim claim, Map<UUID, JsonNode> tableCache) {
        List<Experiment> runs = Experiment.list("preset = ?1 and archivedAt is null", Sort.descending("createdAt"),
                claim.preset());
        return view(claim, runs, tableCache);
    }

    ClaimView view(Claim claim, List<Experiment> runsOfPreset, Map<UUID, JsonNode> tableCache) {
        List<RunFigure> figures = new ArrayList<>();
        List<Experiment> baselines = new ArrayList<>();
        List<Experiment> claimRuns = new ArrayList<>();
        for (Experiment e : runsOfPreset) {
            JsonNode spec = Json.read(e.spec, JsonNode.class);
            if (!claim.matches(spec)) {
                continue;
            }
            if (claim.compare() == null || claim.compare().isClaimRun(spec)) {
                claimRuns.add(e);
            } else if (claim.compare().isBaselineRun(spec)) {
                baselines.add(e);
            }
        }
        Map<UUID, Measured> measuredCache = new LinkedHashMap<>();
        for (Experiment e : claimRuns) {
            figures.add(claim.compare() == null ? figure(claim, e, tableCache)
                    : compared(claim, e, baselines, tableCache, measuredCache));
        }
        RunFigure latest = figures.stream().filter(f -> f.value() != null).findFirst().orElse(null);
        Map<Long, RunFigure> perSeed = new LinkedHashMap<>();
        figures.stream().filter(f -> f.value() != null).forEach(f -> perSeed.putIfAbsent(f.seed(), f));
        int agree = (int) perSeed.values().stream().filter(f -> Boolean.TRUE.equals(f.agrees())).count();
        return new ClaimView(claim.id(), claim.source(), claim.claim(), claim.seedFigure(), claim.preset(),
                claim.overrides() == null ? null : asMap(claim.overrides()), claim.seeds(), describe(claim.measure()), claim.agree().describe(), claim.notes(),
                asMap(request(claim)), latest, agree, perSeed.size(), figures,
                claim.compare() == null ? null : claim.compare().describe());
    }

    /** The claim's preset and overrides; a comparison claim runs both settings, as a grid over its path. */
    static ObjectNode request(Claim claim) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("preset", claim.preset());
        if (claim.overrides() != null) {
            body.set("overrides", claim.overrides().deepCopy());
        }
        if (claim.compare() != null) {
            body.putObject("grid").putArray(claim.compare().path()).add(claim.compare().baseline().deepCopy())
                    .add(claim.compare().value().deepCopy());
        }
        return body;
    }

    /**
     * A comparison claim's run: its measure against the newest baseline run of the same seed that has one (else the
     * newest baseline run of that seed, to say why it has none).
     */
    private RunFigure compared(Claim claim, Experiment e, List<Experiment> baselines, Map<UUID, JsonNode> tableCache,
                               Map<UUID, Measured> cache) {
        Measured own = cache.computeIfAbsent(e.id, id -> measure(claim, e, tableCache));
        Experiment base = null;
        Measured baseMeasured = null;
        for (Experiment b : baselines) {
            if (b.seed == e.seed) {
                Measured m = cache.computeIfAbsent(b.id, id -> measure(claim, b, tableCache));
                if (base == null || baseMeasured.value() == null && m.value() != null) {
                    base = b;
                    baseMeasured = m;
                }
                if (m.value() != null) {
                    break;
                }
            }
        }
        BaselineFigure baseline = base == null ? null : new BaselineFigure(base.id, base.name, base.status.name(),
                baseMeasured.value(), baseMeasured.missing());
        Double value = null;
        String missing = own.missing();
        if (own.value() != null) {
            if (base == null) {
                missing = "no baseline run of seed " + e.seed + " (" + claim.compare().path() + " = "
                        + claim.compare().baseline() + ")";
            } else if (baseMeasured.value() == null) {
                missing = "baseline run: " + baseMeasured.missing();
            } else {
                value = claim.compare().combine(own.value(), baseMeasured.value());
                if (!Double.isFinite(value)) {
                    value = null;
                    missing = "the baseline's figure is 0: no ratio";
                }
            }
        }
        List<SeriesPoint> series = null;
        if (!own.rows().isEmpty()) {
            series = new ArrayList<>();
            for (int r = 0; r < own.rows().size(); r++) {
                int inBase = baseMeasured == null ? -1 : baseMeasured.rows().indexOf(own.rows().get(r));
                series.add(new SeriesPoint(own.rows().get(r), own.column().get(r),
                        inBase < 0 ? null : baseMeasured.column().get(inBase)));
            }
        }
        return new RunFigure(e.id, e.name, e.seed, e.status.name(), e.createdAt, value,
                value == null ? null : claim.agree().test(value), value == null ? missing : null, own.value(),
                baseline, series);
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
                : Claim.Measure.MEAN.equals(m.aggregate()) ? "mean of column " + m.col() + " over the rows"
                : "rows with " + m.col() + " > " + m.countRowsAbove();
        return m.label() + " (table " + m.table() + ", " + cell + ", latest analysed checkpoint)";
    }

    private RunFigure figure(Claim claim, Experiment e, Map<UUID, JsonNode> tableCache) {
        Measured m = measure(claim, e, tableCache);
        return new RunFigure(e.id, e.name, e.seed, e.status.name(), e.createdAt, m.value(),
                m.value() == null ? null : claim.agree().test(m.value()), m.missing());
    }

    /** The claim's measure on one run: a metric, or a table cell or aggregate (with the column per row). */
    private Measured measure(Claim claim, Experiment e, Map<UUID, JsonNode> tableCache) {
        if (e.status != RunStatus.COMPLETED) {
            return Measured.none("run is " + e.status.name().toLowerCase());
        }
        if (claim.measure().metric() != null) {
            JsonNode metrics = e.lastMetrics == null ? null : Json.read(e.lastMetrics, JsonNode.class);
            JsonNode v = metrics == null ? null : metrics.get(claim.measure().metric());
            return v != null && v.isNumber() ? new Measured(v.asDouble(), null, List.of(), List.of())
                    : Measured.none("no metric " + claim.measure().metric());
        }
        try {
            JsonNode table = table(claim.measure(), e.id, tableCache);
            double value = cell(claim.measure(), table);
            if (claim.measure().row() != null) {
                return new Measured(value, null, List.of(), List.of());
            }
            return new Measured(value, null, labels(table.get("rowLabels")), column(claim.measure(), table));
        } catch (MissingFigure m) {
            return Measured.none(m.getMessage());
        }
    }

    static final class MissingFigure extends Exception {
        MissingFigure(String message) {
            super(message);
        }
    }

    private JsonNode table(Claim.Measure m, UUID experimentId, Map<UUID, JsonNode> tableCache)
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
        return table;
    }

    /** The figure of a table as the analysis service returns it ({rowLabels, colLabels, values}). */
    static double cell(Claim.Measure m, JsonNode table) throws MissingFigure {
        List<Double> column = column(m, table);
        if (m.row() == null) {
            if (Claim.Measure.MEAN.equals(m.aggregate())) {
                if (column.isEmpty()) {
                    throw new MissingFigure("table " + m.table() + " has no rows");
                }
                return column.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            }
            return column.stream().filter(v -> v > m.countRowsAbove()).count();
        }
        int row = labels(table.get("rowLabels")).indexOf(m.row());
        if (row < 0) {
            throw new MissingFigure("table " + m.table() + " has no row " + m.row());
        }
        return column.get(row);
    }

    /** The measure's column, one value per row of the table. */
    static List<Double> column(Claim.Measure m, JsonNode table) throws MissingFigure {
        int col = labels(table.get("colLabels")).indexOf(m.col());
        if (col < 0) {
            throw new MissingFigure("table " + m.table() + " has no column " + m.col());
        }
        List<Double> column = new ArrayList<>();
        for (JsonNode row : table.get("values")) {
            column.add(row.get(col).asDouble());
        }
        return column;
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
