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
import java.util.LinkedHashMap;
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
import io.quarkus.security.identity.SecurityIdentity;
import org.interplab.dashboard.service.RunAnnotations;
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

    @Inject
    RunAnnotations runs;

    @Inject
    SecurityIdentity identity;

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

    /**
     * What a sweep cancel answers: the runs asked to stop ({@code cancelRequested}: at the trainer, or cancelled
     * here while their request was still in the outbox, {@code cancelledHere}), and the runs whose stop request
     * failed, each with why ({@code failed}); one refused run never hides the others.
     */
    public record CancelAnswer(UUID sweepId, List<UUID> cancelRequested, List<UUID> cancelledHere,
                               Map<UUID, String> failed) {
    }

    @POST
    @Path("{id}/cancel")
    @RolesAllowed(Roles.RESEARCHER)
    @Operation(summary = "Stop every queued or running experiment of this sweep (its owner or an admin); finished "
            + "ones stay as they are. A run still in the outbox is CANCELLED at once; for the others the trainer is "
            + "asked and each CANCELLED status arrives as a progress event")
    @APIResponse(responseCode = "202", description = "the experiments asked to stop, and any that could not be")
    @APIResponse(responseCode = "403", description = "not the sweep's owner or an admin; no run was touched")
    @APIResponse(responseCode = "404", description = "no such sweep")
    public Response cancel(@PathParam("id") String id) {
        UUID uuid = Ids.parse(id, "id");
        sweeps.find(uuid).orElseThrow(() -> ApiException.notFound("no sweep " + uuid));
        List<Experiment> open = sweeps.experiments(uuid).stream()
                .filter(e -> e.status == null || !e.status.isTerminal()).toList();
        open.forEach(e -> runs.editable(e.id, identity)); // 403 before any run is touched
        List<UUID> asked = new ArrayList<>();
        List<UUID> here = new ArrayList<>();
        Map<UUID, String> failed = new LinkedHashMap<>();
        for (Experiment e : open) {
            if (runs.cancelUnsent(e.id, identity)) {
                here.add(e.id);
                asked.add(e.id);
                continue;
            }
            try {
                Upstream.call("trainer-service", config.trainer().url(), () -> trainer.cancel(e.id)).close();
                asked.add(e.id);
            } catch (ApiException refused) {
                failed.put(e.id, refused.getMessage());
            }
        }
        return Response.accepted(new CancelAnswer(uuid, asked, here, failed)).type(MediaType.APPLICATION_JSON_TYPE)
                .build();
    }
}
