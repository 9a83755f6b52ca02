package org.interplab.dashboard.rest;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.client.AnalysisAdminClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.security.Roles;

/**
 * Admin only: the analysis queue's failed jobs and the dead-letter topic, inspected and rerun from the browser (the
 * analysis service's API is internal). Each call is passed through with the service credential.
 */
@Path("/api/admin")
@Produces(MediaType.APPLICATION_JSON)
@RolesAllowed(Roles.ADMIN)
public class AdminResource {
    private static final Set<String> STATUSES = Set.of("PENDING", "RUNNING", "DONE", "FAILED");

    @Inject
    AnalysisAdminClient analysis;

    @Inject
    LabConfig config;

    @GET
    @Path("analysis-jobs")
    @Operation(summary = "Analysis jobs, newest first; ?status=PENDING|RUNNING|DONE|FAILED, ?limit=1..1000")
    public Response jobs(@QueryParam("status") String status, @QueryParam("limit") String limit) {
        if (status != null && !STATUSES.contains(status)) {
            throw ApiException.badRequest("must be one of " + STATUSES.stream().sorted().toList(), "status");
        }
        return pass(() -> analysis.jobs(status, String.valueOf(bounded(limit, "limit", 100, 1, 1000))));
    }

    @GET
    @Path("analysis-jobs/{checkpointId}")
    @Operation(summary = "One analysis job with its attempts and last error")
    public Response job(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return pass(() -> analysis.job(id));
    }

    @POST
    @Path("analysis-jobs/{checkpointId}/retry")
    @Operation(summary = "Runs a failed (or done) analysis job again")
    public Response retry(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return pass(() -> analysis.retry(id));
    }

    @GET
    @Path("dead-letters")
    @Operation(summary = "Events no consumer could read (checkpoints.published.dlq), with the reason headers")
    public Response deadLetters(@QueryParam("limit") String limit) {
        int n = (int) bounded(limit, "limit", 100, 1, 1000);
        return pass(() -> analysis.deadLetters(n));
    }

    @POST
    @Path("dead-letters/{partition}/{offset}/replay")
    @Operation(summary = "Sends a dead letter back to its topic (with its original headers)")
    public Response replay(@PathParam("partition") String partition, @PathParam("offset") String offset) {
        int p = (int) bounded(partition, "partition", -1, 0, 1023);
        long o = bounded(offset, "offset", -1, 0, Long.MAX_VALUE);
        return pass(() -> analysis.replay(p, o));
    }

    private Response pass(Supplier<Response> call) {
        Response answer = Upstream.call("analysis-service", config.analysis().url(), call);
        return Response.status(answer.getStatus()).entity(answer.readEntity(String.class))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    /** An integer parameter in [min, max] (absent: the default, when there is one), else 400 naming it. */
    private static long bounded(String value, String field, long dflt, long min, long max) {
        if (value == null && dflt >= 0) {
            return dflt;
        }
        try {
            long n = Long.parseLong(value == null ? "" : value.strip());
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ApiException.badRequest("must be an integer in [" + min + ", " + max + "], was '" + value + "'", field);
    }
}
