package org.interplab.dashboard.rest;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.StreamSupport;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.MetricPoint;

/** The JSON shapes of the public API, built from the dashboard's rows. */
public final class Views {

    private Views() {
    }

    /** One row of {@code GET /api/experiments}. */
    public record ExperimentSummary(UUID id, String name, String preset, String task, long seed, RunStatus status,
                                    long step, long totalSteps, JsonNode lastMetrics, String backend,
                                    String error, Instant createdAt, Instant updatedAt) {
        static ExperimentSummary of(Experiment e) {
            return new ExperimentSummary(e.id, e.name, e.preset, e.task, e.seed, e.status, e.step, e.totalSteps,
                    tree(e.lastMetrics), e.backend, e.errorMessage, e.createdAt, e.updatedAt);
        }
    }

    /** {@code GET /api/experiments/{id}}: the summary plus the spec, and what exists of checkpoints and analysis. */
    public record ExperimentDetail(UUID id, String name, String preset, String task, long seed, List<String> tags,
                                   RunStatus status, long step, long totalSteps, JsonNode lastMetrics,
                                   String backend, String error, JsonNode spec, CheckpointsSummary checkpoints,
                                   List<AnalysisView> analysis, Instant createdAt, Instant updatedAt) {
        static ExperimentDetail of(Experiment e, List<CheckpointRecord> checkpoints, List<AnalysisRecord> analyses) {
            return new ExperimentDetail(e.id, e.name, e.preset, e.task, e.seed, strings(e.tags), e.status, e.step,
                    e.totalSteps, tree(e.lastMetrics), e.backend, e.errorMessage, tree(e.spec),
                    CheckpointsSummary.of(checkpoints), analyses.stream().map(AnalysisView::of).toList(),
                    e.createdAt, e.updatedAt);
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

    /** {@code 202} answer of a submission: the ids of the stored experiments (one for now; a sweep gives many). */
    public record Submitted(List<UUID> ids, UUID id, String status) {
    }

    /** One entry of {@code GET /api/presets}. */
    public record PresetView(String name, JsonNode spec) {
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

    private static List<String> strings(String jsonArray) {
        JsonNode node = tree(jsonArray);
        return node == null ? List.of()
                : StreamSupport.stream(node.spliterator(), false).map(JsonNode::asText).toList();
    }
}
