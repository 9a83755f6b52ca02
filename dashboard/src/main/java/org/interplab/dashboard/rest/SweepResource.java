package org.interplab.dashboard.rest;

import jakarta.annotation.security.RolesAllowed;
import org.interplab.dashboard.security.Roles;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.interplab.contracts.events.RunStatus;
import org.interplab.dashboard.client.TrainerClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.Experiment;
import org.interplab.dashboard.entity.Sweep;
import org.interplab.dashboard.service.SweepService;

/** Sweeps: a spec and a grid, expanded to one experiment per point (submitted with POST /api/experiments). */
@Path("/api/sweeps")
@Produces(MediaType.APPLICATION_JSON)
public class SweepResource {

    @Inject
    SweepService sweeps;

    @Inject
    TrainerClient trainer;

    @Inject
    LabConfig config;

    @GET
    @Operation(summary = "Sweeps, newest first, with how many of their experiments are in each status")
    public List<Views.SweepSummary> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > ExperimentResource.MAX_LIST) {
            throw ApiException.badRequest("limit must be in [1, " + ExperimentResource.MAX_LIST + "]", "limit");
        }
        List<Sweep> list = sweeps.list(limit);
        Map<UUID, Map<RunStatus, Long>> counts = sweeps.counts(list.stream().map(s -> s.id).toList());
        return list.stream().map(s -> Views.SweepSummary.of(s, counts.get(s.id))).toList();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One sweep: its grid and base spec, and each experiment with its grid point, status and "
            + "last metrics, in grid order")
    public Views.SweepDetail get(@PathParam("id") String id) {
        UUID uuid = Ids.parse(id, "id");
        Sweep sweep = sweeps.find(uuid).orElseThrow(() -> ApiException.notFound("no sweep " + uuid));
        return Views.SweepDetail.of(sweep, sweeps.counts(List.of(uuid)).get(uuid), sweeps.experiments(uuid));
    }

    /** What a sweep cancel answers: the sweep and the experiments the trainer was asked to stop. */
    public record CancelAnswer(UUID sweepId, List<UUID> cancelRequested) {
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Ask the trainer to stop every queued or running experiment of this sweep; finished ones "
            + "stay as they are. Each CANCELLED status arrives as a progress event")
    @APIResponse(responseCode = "202", description = "the experiments asked to stop")
    @APIResponse(responseCode = "404", description = "no such sweep")
    public Response cancel(@PathParam("id") String id) {
        UUID uuid = Ids.parse(id, "id");
        sweeps.find(uuid).orElseThrow(() -> ApiException.notFound("no sweep " + uuid));
        List<UUID> asked = new ArrayList<>();
        for (Experiment e : sweeps.experiments(uuid)) {
            if (e.status == null || !e.status.isTerminal()) {
                Upstream.call("trainer-service", config.trainer().url(), () -> trainer.cancel(e.id));
                asked.add(e.id);
            }
        }
        return Response.accepted(new CancelAnswer(uuid, asked)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
