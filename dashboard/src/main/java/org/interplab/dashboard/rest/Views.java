package org.interplab.dashboard.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.MetricPoint;
import org.interplab.dashboard.entity.Sweep;
import org.interplab.dashboard.service.QueueEstimates;

/** The JSON shapes of the public API, built from the dashboard's rows. */
public final class Views {

    private Views() {
    }

    /**
     * One row of {@code GET /api/experiments}, with its times: {@code durationSeconds} from start to finish (so far,
     * while running), and for a queued run its {@code queue} place (position, estimated start and finish).
     */
    public record ExperimentSummary(UUID id, String name, String preset, String task, long seed, RunStatus status,
                                    long step, long totalSteps, JsonNode lastMetrics, String backend,
                                    String error, Instant createdAt, Instant updatedAt, UUID sweepId,
                                    JsonNode gridPoint, String owner, List<String> tags, Instant startedAt,
                                    Instant finishedAt, Double durationSeconds, QueuePlace queue) {
        static ExperimentSummary of(Experiment e, QueueEstimates.Place place) {
            return new ExperimentSummary(e.id, e.name, e.preset, e.task, e.seed, e.status, e.step, e.totalSteps,
                    tree(e.lastMetrics), e.backend, e.errorMessage, e.createdAt, e.updatedAt, e.sweepId,
                    tree(e.gridPoint), e.owner, strings(e.tags), e.startedAt, e.finishedAt, duration(e),
                    QueuePlace.of(place));
        }
    }

    /** Where a queued or running run stands: 1-based position among the queued (null once running) and ETAs. */
    public record QueuePlace(Integer position, Instant startsAt, Instant finishesAt) {
        static QueuePlace of(QueueEstimates.Place p) {
            return p == null ? null : new QueuePlace(p.position(), p.startsAt(), p.finishesAt());
        }
    }

    /** Seconds from the first RUNNING event to the terminal status (to now while running); null before start. */
    static Double duration(Experiment e) {
        if (e.startedAt == null) {
            return null;
        }
        Instant end = e.finishedAt != null ? e.finishedAt : e.status.isTerminal() ? e.updatedAt : Instant.now();
        return java.time.Duration.between(e.startedAt, end).toMillis() / 1000.0;
    }

    /** {@code GET /api/experiments/{id}}: the summary plus the spec, and what exists of checkpoints and analysis. */
    public record ExperimentDetail(UUID id, String name, String preset, String task, long seed, List<String> tags,
                                   RunStatus status, long step, long totalSteps, JsonNode lastMetrics,
                                   String backend, String error, JsonNode spec, CheckpointsSummary checkpoints,
                                   List<AnalysisView> analysis, Instant createdAt, Instant updatedAt,
                                   UUID sweepId, JsonNode gridPoint, String codeVersion, String owner,
                                   String editedBy, Instant editedAt, Instant startedAt, Instant finishedAt,
                                   Double durationSeconds, QueuePlace queue) {
        static ExperimentDetail of(Experiment e, List<CheckpointRecord> checkpoints, List<AnalysisRecord> analyses) {
            return of(e, checkpoints, analyses, null);
        }

        static ExperimentDetail of(Experiment e, List<CheckpointRecord> checkpoints, List<AnalysisRecord> analyses,
                                   QueueEstimates.Place place) {
            return new ExperimentDetail(e.id, e.name, e.preset, e.task, e.seed, strings(e.tags), e.status, e.step,
                    e.totalSteps, tree(e.lastMetrics), e.backend, e.errorMessage, tree(e.spec),
                    CheckpointsSummary.of(checkpoints), analyses.stream().map(AnalysisView::of).toList(),
                    e.createdAt, e.updatedAt, e.sweepId, tree(e.gridPoint), e.codeVersion, e.owner, e.editedBy,
                    e.editedAt, e.startedAt, e.finishedAt, duration(e), QueuePlace.of(place));
        }
    }

    /** How many checkpoints exist, the latest step, and the final checkpoint once training finished. */
    public record CheckpointsSummary(int count, Long latestStep, UUID latestCheckpointId, UUID finalCheckpointId) {
        static CheckpointsSummary of(List<CheckpointRecord> checkpoints) {
            CheckpointRecord latest = checkpoints.stream().max(Comparator.comparingLong(c -> c.step)).orElse(null);
            UUID finalId = checkpoints.stream().filter(c -> c.finalCheckpoint).map(c -> c.checkpointId)
                    .findFirst().orElse(null);
            return new CheckpointsSummary(checkpoints.size(), latest == null ? null : latest.step,
                    latest == null ? null : latest.checkpointId, finalId);
        }
    }

    /** One published checkpoint, with where to download it and where its analysis is. */
    public record CheckpointView(UUID checkpointId, UUID experimentId, long step, boolean finalCheckpoint,
                                 JsonNode metrics, Instant createdAt, String safetensorsUrl, String analysisUrl,
                                 AnalysisView analysis) {
        static CheckpointView of(CheckpointRecord c, AnalysisRecord analysis) {
            return new CheckpointView(c.checkpointId, c.experimentId, c.step, c.finalCheckpoint, tree(c.metrics),
                    c.createdAt, "/api/checkpoints/" + c.checkpointId + "/safetensors",
                    "/api/checkpoints/" + c.checkpointId + "/analysis", analysis == null ? null
                    : AnalysisView.of(analysis));
        }
    }

    /** Which circuit tables the analysis service stored for a checkpoint. */
    public record AnalysisView(UUID checkpointId, List<String> tables, List<String> failedTables,
                               Instant completedAt) {
        static AnalysisView of(AnalysisRecord a) {
            return new AnalysisView(a.checkpointId, strings(a.tables), strings(a.failedTables), a.completedAt);
        }
    }

    /** One point of the loss/accuracy curve. */
    public record MetricPointView(long step, JsonNode metrics) {
        static MetricPointView of(MetricPoint p) {
            return new MetricPointView(p.step, tree(p.metrics));
        }
    }

    /**
     * {@code 202} answer of a submission: the ids of the stored experiments (a sweep gives one per point, in grid
     * order), the first of them as {@code id}, and the sweep's id (null for a single experiment).
     */
    public record Submitted(List<UUID> ids, UUID id, String status, UUID sweepId) {
    }

    /** One entry of {@code GET /api/presets}: the spec, and for a sweep preset its default grid and size. */
    public record PresetView(String name, JsonNode spec, JsonNode grid, Integer points) {
    }

    /** One row of {@code GET /api/sweeps}: how many of its experiments are in each status. */
    public record SweepSummary(UUID id, String name, String preset, int points, String status,
                               Map<RunStatus, Long> counts, Instant createdAt) {
        static SweepSummary of(Sweep s, Map<RunStatus, Long> counts) {
            return new SweepSummary(s.id, s.name, s.preset, s.pointCount, sweepStatus(counts), counts, s.createdAt);
        }
    }

    /** {@code GET /api/sweeps/{id}}: the grid, the base spec, and each experiment with its grid point. */
    public record SweepDetail(UUID id, String name, String preset, int points, String status,
                              Map<RunStatus, Long> counts, JsonNode grid, JsonNode baseSpec, Instant createdAt,
                              List<SweepExperiment> experiments) {
        static SweepDetail of(Sweep s, Map<RunStatus, Long> counts, List<Experiment> experiments) {
            return new SweepDetail(s.id, s.name, s.preset, s.pointCount, sweepStatus(counts), counts, tree(s.grid),
                    tree(s.baseSpec), s.createdAt, experiments.stream().map(SweepExperiment::of).toList());
        }
    }

    /** One point of a sweep. */
    public record SweepExperiment(UUID id, String name, JsonNode gridPoint, long seed, RunStatus status, long step,
                                  long totalSteps, JsonNode lastMetrics, String error) {
        static SweepExperiment of(Experiment e) {
            return new SweepExperiment(e.id, e.name, tree(e.gridPoint), e.seed, e.status, e.step, e.totalSteps,
                    tree(e.lastMetrics), e.errorMessage);
        }
    }

    /**
     * A sweep's status from its experiments': RUNNING while any runs (or some finished and some wait), QUEUED when
     * none started, else COMPLETED when all completed, FAILED when any failed, CANCELLED otherwise.
     */
    static String sweepStatus(Map<RunStatus, Long> counts) {
        long queued = counts.getOrDefault(RunStatus.QUEUED, 0L);
        long running = counts.getOrDefault(RunStatus.RUNNING, 0L);
        long completed = counts.getOrDefault(RunStatus.COMPLETED, 0L);
        long failed = counts.getOrDefault(RunStatus.FAILED, 0L);
        long cancelled = counts.getOrDefault(RunStatus.CANCELLED, 0L);
        if (running > 0 || (queued > 0 && completed + failed + cancelled > 0)) {
            return RunStatus.RUNNING.name();
        }
        if (queued > 0) {
            return RunStatus.QUEUED.name();
        }
        if (failed > 0) {
            return RunStatus.FAILED.name();
        }
        return cancelled > 0 ? RunStatus.CANCELLED.name() : RunStatus.COMPLETED.name();
    }

    /**
     * A model the lab knows, for {@code GET /api/checkpoints}: trained here, uploaded or a reference construction,
     * with its analysis status: {@code pending} (none yet), {@code completed}, {@code partial} (some tables
     * failed) or {@code failed} (all failed). Counts are {@code tablesOk}/{@code tablesFailed} as in the analysis
     * index; {@code failedTables} is the list of names, as in every other view.
     */
    public record ModelView(UUID checkpointId, String source, String name, String task, UUID experimentId, long step,
                            boolean finalCheckpoint, JsonNode metrics, Instant createdAt, String analysisStatus,
                            int tablesOk, int tablesFailed, List<String> failedTables, String url,
                            String safetensorsUrl, String analysisUrl, String origin, String modelKind,
                            String summary, String owner, Long sizeBytes, String sha256) {
        static ModelView of(CheckpointRecord c, AnalysisRecord a) {
            List<String> ok = a == null ? List.of() : strings(a.tables);
            List<String> failed = a == null ? List.of() : strings(a.failedTables);
            JsonNode spec = tree(c.spec);
            String task = spec == null ? null : spec.path("task").path("kind").asText(null);
            boolean imported = spec != null && StreamSupport.stream(spec.path("tags").spliterator(), false)
                    .anyMatch(t -> "huggingface".equals(t.asText()));
            return new ModelView(c.checkpointId, c.source, c.name, task, c.experimentId, c.step, c.finalCheckpoint,
                    tree(c.metrics), c.createdAt, analysisStatus(a, ok, failed), ok.size(), failed.size(), failed,
                    "/api/checkpoints/" + c.checkpointId, "/api/checkpoints/" + c.checkpointId + "/safetensors",
                    "/api/checkpoints/" + c.checkpointId + "/analysis", imported ? "imported" : c.source,
                    spec == null ? null : spec.path("model").path("kind").asText(null), summary(spec), c.owner, null, null);
        }

        /** With the size and sha256 of the trainer's stored file ({@code GET /checkpoints?ids=}), when it said. */
        ModelView withStored(JsonNode stored) {
            return stored == null ? this : new ModelView(checkpointId, source, name, task, experimentId, step,
                    finalCheckpoint, metrics, createdAt, analysisStatus, tablesOk, tablesFailed, failedTables, url,
                    safetensorsUrl, analysisUrl, origin, modelKind, summary, owner, stored.path("sizeBytes").asLong(),
                    stored.path("sha256").asText(null));
        }

        /** The model's shape in the field's words: "2 layers × 4 heads, d_model 64" or "TMS 5 → 2, 10 instances". */
        static String summary(JsonNode spec) {
            if (spec == null) {
                return null;
            }
            JsonNode m = spec.path("model");
            JsonNode t = spec.path("task");
            return switch (m.path("kind").asText("")) {
                case "transformer" -> m.path("nLayers").asInt() + " layer" + (m.path("nLayers").asInt() == 1 ? "" : "s")
                        + " × " + m.path("nHeads").asInt() + " heads, d_model " + m.path("dModel").asInt()
                        + ", d_head " + m.path("dHead").asInt() + ", n_ctx " + m.path("nCtx").asInt()
                        + (m.path("attnOnly").asBoolean(false) ? ", attn-only" : ", d_mlp " + m.path("dMlp").asInt())
                        + ", vocab " + m.path("dVocab").asInt();
                case "tms" -> "TMS " + t.path("nFeatures").asInt() + " features → " + m.path("nHidden").asInt()
                        + " hidden, " + m.path("nInstances").asInt() + " instances, p = "
                        + t.path("featureProbability").asText();
                case "cis" -> "CiS " + t.path("function").asText() + ", " + t.path("nFeatures").asInt()
                        + " features → " + m.path("nHidden").asInt() + " neurons";
                default -> m.path("kind").asText(null);
            };
        }

        private static String analysisStatus(AnalysisRecord a, List<String> ok, List<String> failed) {
            if (a == null) {
                return "pending";
            }
            if (failed.isEmpty()) {
                return "completed";
            }
            return ok.isEmpty() ? "failed" : "partial";
        }
    }

    /** {@code GET /api/checkpoints/{id}}: the model, its spec, and its analysis. */
    public record ModelDetail(ModelView model, JsonNode spec, AnalysisView analysis, Long sizeBytes, String sha256) {
    }

    /** {@code 202} answer of an upload: what the trainer stored; its analysis follows (see {@code url}). */
    public record UploadAccepted(UUID checkpointId, String source, String name, long step, JsonNode metrics,
                                 JsonNode tensors, long sizeBytes, String url, String safetensorsUrl,
                                 String analysisUrl) {
    }

    /** {@code GET /api/experiments/compare}: the runs side by side, and where their specs differ. */
    public record Comparison(List<UUID> ids, List<ComparedRun> runs, List<SpecDifference> diff) {
    }

    /** One run of a comparison, with its whole curve. */
    public record ComparedRun(UUID id, String name, String preset, RunStatus status, long seed, UUID sweepId,
                              JsonNode gridPoint, JsonNode lastMetrics, JsonNode spec, List<MetricPointView> metrics) {
        static ComparedRun of(Experiment e, List<MetricPoint> curve) {
            return new ComparedRun(e.id, e.name, e.preset, e.status, e.seed, e.sweepId, tree(e.gridPoint),
                    tree(e.lastMetrics), tree(e.spec), curve.stream().map(MetricPointView::of).toList());
        }
    }

    /** A spec field whose value is not the same in every run: its JSON path and its value per run (null: absent). */
    public record SpecDifference(String path, List<JsonNode> values) {
    }

    static JsonNode tree(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new IllegalStateException("stored JSON is unreadable: " + e.getMessage(), e);
        }
    }

    static List<String> strings(String jsonArray) {
        JsonNode node = tree(jsonArray);
        return node == null ? List.of()
                : StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
    }
}
