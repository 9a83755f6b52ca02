package org.interplab.dashboard.client;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** The analysis-service's Neuroscope API ({@code lab.analysis.url}/neuroscope). Built in {@link UpstreamClients}. */
@Path("/neuroscope/{checkpointId}")
public interface NeuroscopeClient {
    @GET
    @Path("/scans")
    Response scans(@PathParam("checkpointId") UUID checkpointId);

    @POST
    @Path("/scans")
    @Consumes("application/json")
    Response requestScan(@PathParam("checkpointId") UUID checkpointId, String body);

    @GET
    @Path("/neurons/{layer}/{neuron}")
    Response neuron(@PathParam("checkpointId") UUID checkpointId, @PathParam("layer") int layer,
                    @PathParam("neuron") int neuron, @QueryParam("corpus") String corpus);

    @GET
    @Path("/neurons")
    Response index(@PathParam("checkpointId") UUID checkpointId, @QueryParam("corpus") String corpus,
                   @QueryParam("layer") Integer layer, @QueryParam("sort") String sort, @QueryParam("order") String order,
                   @QueryParam("limit") Integer limit, @QueryParam("offset") Integer offset,
                   @QueryParam("format") String format);

    @GET
    @Path("/search")
    Response search(@PathParam("checkpointId") UUID checkpointId, @QueryParam("token") Integer token,
                    @QueryParam("text") String text, @QueryParam("corpus") String corpus,
                    @QueryParam("limit") Integer limit);

    @POST
    @Path("/live")
    @Consumes("application/json")
    Response live(@PathParam("checkpointId") UUID checkpointId, String body, @QueryParam("top") Integer top);

    @GET
    @Path("/cosine/{layer}")
    Response cosine(@PathParam("checkpointId") UUID checkpointId, @PathParam("layer") int layer,
                    @QueryParam("matrix") String matrix, @QueryParam("size") Integer size);
}
