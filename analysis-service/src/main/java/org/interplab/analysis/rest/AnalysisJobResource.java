package org.interplab.analysis.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.interplab.analysis.jobs.AnalysisJobs;

/** The analysis queue: what is pending, running, done or failed (with the reason), and retrying a failed job. */
@Path("/analysis-jobs")
@Produces(MediaType.APPLICATION_JSON)
public class AnalysisJobResource {
    private static final Set<String> STATUSES = Set.of("PENDING", "RUNNING", "DONE", "FAILED");

    @Inject
    AnalysisJobs jobs;

    @GET
    public List<AnalysisJobs.Job> list(@QueryParam("status") String status,
                                       @QueryParam("limit") @DefaultValue("100") String limit) {
        if (status != null && !STATUSES.contains(status)) {
            throw new BadRequest("status", "must be one of " + STATUSES.stream().sorted().toList());
        }
        int n;
        try {
            n = Integer.parseInt(limit);
        } catch (NumberFormatException e) {
            throw new BadRequest("limit", "must be an integer, was '" + limit + "'");
        }
        if (n < 1 || n > 1000) {
            throw new BadRequest("limit", "must be in [1, 1000], was " + n);
        }
        return jobs.byStatus(status, n);
    }

    @GET
    @Path("/{checkpointId}")
    public AnalysisJobs.Job get(@PathParam("checkpointId") UUID id) {
        return jobs.find(id).orElseThrow(() -> new NotFoundException("no analysis job for checkpoint " + id));
    }

    @POST
    @Path("/{checkpointId}/retry")
    public Map<String, Object> retry(@PathParam("checkpointId") UUID id) {
        if (jobs.find(id).isEmpty()) {
            throw new NotFoundException("no analysis job for checkpoint " + id);
        }
        if (!jobs.retryNow(id)) {
            throw new BadRequest("checkpointId", "the analysis of " + id + " is running; retry it when it ends");
        }
        return Map.of("checkpointId", id, "status", "PENDING");
    }
}
