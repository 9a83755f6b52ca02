package org.interplab.dashboard.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/**
 * The analysis service's operations API ({@code lab.analysis.url}): its job queue and its dead-letter topic. Built in
 * {@link UpstreamClients}; the dashboard offers it to admins only (rest/AdminResource).
 */
@Path("/")
public interface AnalysisAdminClient {

    /** [{checkpointId, experimentId, status, attempts, error, ...}], newest first. */
    @GET
    @Path("analysis-jobs")
    Response jobs(@QueryParam("status") String status, @QueryParam("limit") String limit);

    @GET
    @Path("analysis-jobs/{checkpointId}")
    Response job(@PathParam("checkpointId") UUID checkpointId);

    @POST
    @Path("analysis-jobs/{checkpointId}/retry")
    Response retry(@PathParam("checkpointId") UUID checkpointId);

    /** [{partition, offset, key, value, headers}] of checkpoints.published.dlq. */
    @GET
    @Path("dead-letters")
    Response deadLetters(@QueryParam("limit") int limit);

    @POST
    @Path("dead-letters/{partition}/{offset}/replay")
    Response replay(@PathParam("partition") int partition, @PathParam("offset") long offset);
}
