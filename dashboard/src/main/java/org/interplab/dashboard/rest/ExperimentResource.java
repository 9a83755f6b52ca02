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
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.PATCH;
import org.interplab.dashboard.security.Roles;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.dashboard.client.TrainerClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.service.EventIngestService;
import org.interplab.dashboard.service.ExperimentService;
import org.interplab.dashboard.service.Limits;
import org.interplab.dashboard.service.LiveEvents;
import org.interplab.dashboard.service.OutboxRelay;
import org.interplab.dashboard.service.RunAnnotations;
import org.interplab.dashboard.service.SpecDiff;
import org.interplab.dashboard.service.SubmissionParser;
import org.interplab.dashboard.service.SweepService;
import org.interplab.dashboard.service.QueueEstimates;
import org.interplab.dashboard.service.RunQueue;
import io.quarkus.panache.common.Sort;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
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
    EventIngestService ingest;

    @Inject
    ExperimentService experiments;

    @Inject
    OutboxRelay outbox;

    @Inject
    RunAnnotations runs;

    @Inject
    Limits limits;

    @Inject
    SecurityIdentity identity;

    @Inject
    SweepService sweeps;

    @Inject
    LiveEvents liveEvents;

    @Inject
    TrainerClient trainer;

    @Inject
    LabConfig config;

    @Inject
    RunQueue queue;

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Submit an experiment or a sweep: a full spec, {\"spec\": {...}, \"grid\": {...}}, or "
            + "{\"preset\": name, \"seed\": n, \"overrides\": {...}, \"grid\": {...}}",
            description = "A grid maps a field's JSON path (\"model.dropout\", \"task.featureProbability\", "
                    + "\"seed\") to a list of values; the sweep is their cartesian product, one experiment per "
                    + "point (at most 256). Everything is stored as QUEUED in one transaction together with the "
                    + "request events (a transactional outbox relayed to Kafka), so 202 means it will train. 400 names the offending field (e.g. grid.model.dropout[1]) and nothing "
                    + "is stored; a spec that fails validation lists every error in 'errors'.")
    @RequestBody(content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = ExperimentSpec.class)))
    public Response submit(String body, @Context UriInfo uri) {
        limits.submission(body);
        SubmissionParser.Parsed parsed = parser.parseRequest(body);
        String owner = identity.getPrincipal().getName();
        limits.queued(runs.queuedBy(owner), parsed.sweep() != null ? parsed.sweep().points().size() : 1);
        if (parsed.sweep() != null) {
            return submitSweep(parsed.sweep(), owner, uri);
        }
        Experiment stored = experiments.create(parsed.single(), owner); // committed with its outbox event
        outbox.wake();
        return Response.accepted(new Views.Submitted(List.of(stored.id), stored.id, stored.status.name(), null))
                .location(uri.getBaseUriBuilder().path("api/experiments").path(stored.id.toString()).build())
                .build();
    }

    private Response submitSweep(SweepSubmission submission, String owner, UriInfo uri) {
        limits.name(submission.name(), "name");
        SweepService.Created created = sweeps.create(submission, owner); // sweep, experiments, outbox: one commit
        outbox.wake();
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

    /** Columns the list sorts by ({@code ?sort=name}, {@code ?sort=-createdAt} for descending): entity fields. */
    static final Map<String, String> SORTABLE = Map.of("name", "name", "preset", "preset", "task", "task",
            "seed", "seed", "status", "status", "step", "step", "createdAt", "createdAt", "startedAt", "startedAt",
            "finishedAt", "finishedAt", "owner", "owner");

    @GET
    @Operation(summary = "Experiments, newest first (or ?sort=[-]name|preset|task|seed|status|step|createdAt|"
            + "startedAt|finishedAt|owner); filter by status, task kind, or text in name/preset/tags; one page of "
            + "?limit= rows from ?offset=, the number of all matching rows in X-Total-Count")
    @APIResponse(responseCode = "200", description = "one page of experiments; X-Total-Count has them all",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = Views.ExperimentSummary.class)))
    public Response list(@QueryParam("status") String status, @QueryParam("task") String task,
                         @QueryParam("q") String q,
                         @QueryParam("limit") @DefaultValue("200") int limit,
                         @QueryParam("offset") @DefaultValue("0") int offset,
                         @QueryParam("sort") @DefaultValue("-createdAt") String sort,
                         @QueryParam("mine") boolean mine) {
        RunStatus runStatus = null;
        if (status != null && !status.isBlank()) {
            try {
                runStatus = RunStatus.valueOf(status.trim().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw ApiException.badRequest("unknown status '" + status + "'; one of "
                        + Arrays.toString(RunStatus.values()), "status");
            }
        }
        Pages.check(limit, offset);
        boolean descending = sort.startsWith("-");
        String column = SORTABLE.get(descending ? sort.substring(1) : sort);
        if (column == null) {
            throw ApiException.badRequest("cannot sort by '" + sort + "'; one of " + new java.util.TreeSet<>(
                    SORTABLE.keySet()) + ", with a leading - for descending", "sort");
        }
        String owner = mine && !identity.isAnonymous() ? identity.getPrincipal().getName() : null;
        ExperimentService.Filter filter = new ExperimentService.Filter(runStatus, task, q, owner);
        Sort order = Sort.by(column, descending ? Sort.Direction.Descending : Sort.Direction.Ascending,
                Sort.NullPrecedence.NULLS_LAST).and("createdAt", Sort.Direction.Descending).and("id");
        List<Experiment> page = experiments.page(filter, order, offset, limit);
        Map<UUID, QueueEstimates.Place> places = page.stream().anyMatch(e -> !e.status.isTerminal())
                ? queue.places() : Map.of();
        return Pages.of(page.stream().map(e -> Views.ExperimentSummary.of(e, places.get(e.id))).toList(),
                experiments.count(filter));
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One experiment: status, spec, step, last metrics, checkpoints and analysis summaries, "
            + "its times and, while queued, its queue position and ETAs")
    public Views.ExperimentDetail get(@PathParam("id") String id) {
        Experiment e = require(id);
        QueueEstimates.Place place = e.status.isTerminal() ? null : queue.places().get(e.id);
        return Views.ExperimentDetail.of(e, experiments.checkpoints(e.id), experiments.analyses(e.id), place);
    }

    @GET
    @Path("{experimentId}/samples")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "A language-model run's sample generations at each checkpoint, oldest first")
    public Response samples(@PathParam("experimentId") String experimentId) {
        return Response.ok(ingest.lmSamples(Ids.parse(experimentId, "experimentId")), MediaType.APPLICATION_JSON)
                .build();
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
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Stop this experiment (its owner or an admin): a run still in the outbox is CANCELLED at "
            + "once; otherwise the trainer is asked and its CANCELLED status arrives as a progress event")
    public Response cancel(@PathParam("id") String id) {
        Experiment e = require(id);
        if (runs.cancelUnsent(e.id, identity)) {
            return Response.accepted(Map.of("id", e.id, "cancelRequested", true, "status", "CANCELLED")).build();
        }
        Response answer = Upstream.call("trainer-service", config.trainer().url(), () -> trainer.cancel(e.id));
        String body = answer.hasEntity() ? answer.readEntity(String.class) : null;
        return Response.status(answer.getStatus() == 204 ? 202 : answer.getStatus())
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(body == null || body.isBlank() ? Json.write(Map.of("id", e.id, "cancelRequested", true))
                        : body)
                .build();
    }

    /** Rename and retag after submit: {"name": ..., "tags": [...]}, each optional. */
    public record RunEdit(String name, List<String> tags) {
    }

    /** A note: markdown source, stored as typed and shown escaped. */
    public record NoteText(String body) {
    }

    public record NoteView(UUID id, String author, String body, java.time.Instant createdAt) {
        static NoteView of(org.interplab.dashboard.entity.ExperimentNote n) {
            return new NoteView(n.id, n.author, n.body, n.createdAt);
        }
    }

    @PATCH
    @Path("{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Rename and/or retag a run (its owner or an admin); records who and when")
    public Views.ExperimentDetail edit(@PathParam("id") String id, RunEdit edit) {
        if (edit == null) {
            throw ApiException.badRequest("send {\"name\": ..., \"tags\": [...]}", null);
        }
        Experiment e = runs.edit(Ids.parse(id, "id"), edit.name(), edit.tags(), identity);
        return Views.ExperimentDetail.of(e, experiments.checkpoints(e.id), experiments.analyses(e.id));
    }

    @DELETE
    @Path("{id}")
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Archive a run (its owner or an admin): hidden from lists and GET, checkpoints kept")
    public Response archive(@PathParam("id") String id) {
        runs.archive(Ids.parse(id, "id"), identity);
        return Response.noContent().build();
    }

    @GET
    @Path("{id}/notes")
    @Operation(summary = "The run's notes, oldest first: {id, author, body (markdown source), createdAt}")
    public List<NoteView> notes(@PathParam("id") String id) {
        return runs.notes(require(id).id).stream().map(NoteView::of).toList();
    }

    @POST
    @Path("{id}/notes")
    @Consumes(MediaType.APPLICATION_JSON)
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Add a note {body} to a run (its owner or an admin)")
    public Response addNote(@PathParam("id") String id, NoteText note) {
        return Response.status(201).entity(NoteView.of(runs.addNote(Ids.parse(id, "id"),
                note == null ? null : note.body(), identity))).build();
    }

    private Experiment require(String id) {
        UUID uuid = Ids.parse(id, "id");
        return experiments.find(uuid).filter(e -> e.archivedAt == null)
                .orElseThrow(() -> ApiException.notFound("no experiment " + uuid));
    }
}
