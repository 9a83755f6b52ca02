package org.interplab.dashboard.rest;

import io.smallrye.common.annotation.Blocking;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.dashboard.client.TrainerClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.service.ExperimentRequestSender;
import org.interplab.dashboard.service.ExperimentService;
import org.interplab.dashboard.service.LiveEvents;
import org.interplab.dashboard.service.SpecDiff;
import org.interplab.dashboard.service.SubmissionParser;
import org.interplab.dashboard.service.SweepService;
import org.interplab.dashboard.service.SweepSubmission;

/** Experiments: submit, list, inspect, follow live, cancel. */
@Path("/api/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentResource {
    static final int MAX_LIST = 500;
    static final int MAX_COMPARE = 20;

    @Inject
    SubmissionParser parser;

    @Inject
    ExperimentService experiments;

    @Inject
    ExperimentRequestSender sender;

    @Inject
    SweepService sweeps;

    @Inject
    LiveEvents liveEvents;

    @Inject
    TrainerClient trainer;

    @Inject
    LabConfig config;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit an experiment or a sweep: a full spec, {\"spec\": {...}, \"grid\": {...}}, or "
            + "{\"preset\": name, \"seed\": n, \"overrides\": {...}, \"grid\": {...}}",
            description = "A grid maps a field's JSON path (\"model.dropout\", \"task.featureProbability\", "
                    + "\"seed\") to a list of values; the sweep is their cartesian product, one experiment per "
                    + "point (at most 256). Everything is stored as QUEUED in one transaction, then requested from "
                    + "the trainer on Kafka. 400 names the offending field (e.g. grid.model.dropout[1]) and nothing "
                    + "is stored; a spec that fails validation lists every error in 'errors'.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ExperimentSpec.class)))
    public Response submit(String body, @Context UriInfo uri) {
        SubmissionParser.Parsed parsed = parser.parseRequest(body);
        if (parsed.sweep() != null) {
            return submitSweep(parsed.sweep(), uri);
        }
        Experiment stored = experiments.create(parsed.single()); // committed when it returns
        ExperimentRequestSender.Outcome outcome = sender.send(stored);
        if (outcome == ExperimentRequestSender.Outcome.REFUSED) {
            experiments.markNotQueued(stored.id, "Kafka refused the experiment request; submit again");
            throw new ApiException(503, "the experiment could not be handed to the trainer (Kafka refused it); "
                    + "it is stored as FAILED", null, null);
        }
        return Response.accepted(new Views.Submitted(List.of(stored.id), stored.id, stored.status.name(), null))
                .location(uri.getBaseUriBuilder().path("api/experiments").path(stored.id.toString()).build())
                .build();
    }

    private Response submitSweep(SweepSubmission submission, UriInfo uri) {
        SweepService.Created created = sweeps.create(submission); // sweep + experiments, committed together
        List<ExperimentRequestSender.Outcome> outcomes = sender.sendAll(created.experiments());
        int refused = 0;
        for (int i = 0; i < outcomes.size(); i++) {
            if (outcomes.get(i) == ExperimentRequestSender.Outcome.REFUSED) {
                experiments.markNotQueued(created.experiments().get(i).id,
                        "Kafka refused the experiment request; submit again");
                refused++;
            }
        }
        if (refused == outcomes.size()) {
            throw new ApiException(503, "the sweep's experiments could not be handed to the trainer (Kafka refused "
                    + "them); they are stored as FAILED", null, null);
        }
        List<UUID> ids = created.experiments().stream().map(e -> e.id).toList();
        return Response.accepted(new Views.Submitted(ids, ids.get(0), RunStatus.QUEUED.name(), created.sweep().id))
                .location(uri.getBaseUriBuilder().path("api/sweeps").path(created.sweep().id.toString()).build())
                .build();
    }

    @GET
    @Path("compare")
    @Operation(summary = "Compare runs: ?ids=a,b[,...] → their specs, where the specs differ (path and value per "
            + "run), and their metric curves")
    public Views.Comparison compare(@QueryParam("ids") String ids) {
        if (ids == null || ids.isBlank()) {
            throw ApiException.badRequest("ids is required: two or more experiment ids separated by commas", "ids");
        }
        List<UUID> wanted = new java.util.ArrayList<>();
        for (String part : ids.split(",")) {
            UUID id = Ids.parse(part.strip(), "ids");
            if (!wanted.contains(id)) {
                wanted.add(id);
            }
        }
        if (wanted.size() < 2 || wanted.size() > MAX_COMPARE) {
            throw ApiException.badRequest("compare takes 2 to " + MAX_COMPARE + " distinct experiment ids, got "
                    + wanted.size(), "ids");
        }
        List<Experiment> found = experiments.findAll(wanted);
        if (found.size() < wanted.size()) {
            List<UUID> known = found.stream().map(e -> e.id).toList();
            UUID missing = wanted.stream().filter(id -> !known.contains(id)).findFirst().orElseThrow();
            throw ApiException.notFound("no experiment " + missing);
        }
        List<Views.ComparedRun> runs = found.stream()
                .map(e -> Views.ComparedRun.of(e, experiments.metrics(e.id))).toList();
        List<Views.SpecDifference> diff = SpecDiff.of(runs.stream().map(Views.ComparedRun::spec).toList()).stream()
                .map(d -> new Views.SpecDifference(d.path(), d.values())).toList();
        return new Views.Comparison(wanted, runs, diff);
    }

    @GET
    @Operation(summary = "Experiments, newest first; filter by status, task kind, or text in name/preset/tags")
    public List<Views.ExperimentSummary> list(@QueryParam("status") String status, @QueryParam("task") String task,
                                              @QueryParam("q") String q,
                                              @QueryParam("limit") @DefaultValue("200") int limit) {
        RunStatus runStatus = null;
        if (status != null && !status.isBlank()) {
            try {
                runStatus = RunStatus.valueOf(status.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("unknown status '" + status + "'; one of "
                        + Arrays.toString(RunStatus.values()), "status");
            }
        }
        if (limit < 1 || limit > MAX_LIST) {
            throw ApiException.badRequest("limit must be in [1, " + MAX_LIST + "]", "limit");
        }
        return experiments.list(runStatus, task, q, limit).stream().map(Views.ExperimentSummary::of).toList();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One experiment: status, spec, step, last metrics, checkpoints and analysis summaries")
    public Views.ExperimentDetail get(@PathParam("id") String id) {
        Experiment e = require(id);
        return Views.ExperimentDetail.of(e, experiments.checkpoints(e.id), experiments.analyses(e.id));
    }

    @GET
    @Path("{id}/metrics")
    @Operation(summary = "The loss/accuracy curve: [{step, metrics}] ordered by step")
    public List<Views.MetricPointView> metrics(@PathParam("id") String id) {
        Experiment e = require(id);
        return experiments.metrics(e.id).stream().map(Views.MetricPointView::of).toList();
    }

    @GET
    @Path("{id}/checkpoints")
    @Operation(summary = "The checkpoints the trainer published for this experiment, by step")
    public List<Views.CheckpointView> checkpoints(@PathParam("id") String id) {
        Experiment e = require(id);
        Map<UUID, AnalysisRecord> analyses = experiments.analyses(e.id).stream()
                .collect(Collectors.toMap(a -> a.checkpointId, Function.identity()));
        return experiments.checkpoints(e.id).stream()
                .map(c -> Views.CheckpointView.of(c, analyses.get(c.checkpointId))).toList();
    }

    @GET
    @Path("{id}/events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    @Blocking // the experiment is looked up in the database before the stream starts
    @Operation(summary = "Server-sent events of this experiment as they arrive: 'progress' (TrainingProgress), "
            + "'checkpoint', 'analysis' (AnalysisCompleted)")
    public Multi<OutboundSseEvent> events(@PathParam("id") String id, @Context Sse sse) {
        Experiment e = require(id);
        return liveEvents.forExperiment(e.id).map(event -> sse.newEventBuilder()
                .name(event.type())
                .data(Json.write(event.payload()))
                .build());
    }

    @POST
    @Path("{id}/cancel")
    @Operation(summary = "Ask the trainer to stop this experiment; its CANCELLED status arrives as a progress event")
    public Response cancel(@PathParam("id") String id) {
        Experiment e = require(id);
        Response answer = Upstream.call("trainer-service", config.trainer().url(), () -> trainer.cancel(e.id));
        String body = answer.hasEntity() ? answer.readEntity(String.class) : null;
        return Response.status(answer.getStatus() == 204 ? 202 : answer.getStatus())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body == null || body.isBlank() ? Json.write(Map.of("id", e.id, "cancelRequested", true))
                        : body)
                .build();
    }

    private Experiment require(String id) {
        UUID uuid = Ids.parse(id, "id");
        return experiments.find(uuid).orElseThrow(() -> ApiException.notFound("no experiment " + uuid));
    }
}
