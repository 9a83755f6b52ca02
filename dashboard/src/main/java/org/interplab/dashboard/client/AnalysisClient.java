package org.interplab.dashboard.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** The analysis-service's internal API ({@code lab.analysis.url}). Built in {@link UpstreamClients}. */
@Path("/analysis")
public interface AnalysisClient {

    /** {checkpointId, experimentId, tables: [{name, kind, title, error}]}. */
    @GET
    @Path("{checkpointId}")
    Response index(@PathParam("checkpointId") UUID checkpointId);

    /**
     * One table as JSON ({name, kind, title, description, rowAxis, colAxis, shape, rows, cols, rowLabels, colLabels,
     * values}) or CSV; {@code rows=a:b}, {@code cols=c:d} and {@code stride=k} select a window or an overview.
     */
    @GET
    @Path("{checkpointId}/tables/{table}")
    Response table(@PathParam("checkpointId") UUID checkpointId, @PathParam("table") String table,
                   @QueryParam("format") String format, @QueryParam("rows") String rows,
                   @QueryParam("cols") String cols, @QueryParam("stride") String stride);
}
