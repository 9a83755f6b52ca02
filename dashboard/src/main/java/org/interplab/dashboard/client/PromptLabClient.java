package org.interplab.dashboard.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** The analysis-service's prompt lab ({@code lab.analysis.url}/promptlab). Built in {@link UpstreamClients}. */
@Path("/promptlab/{checkpointId}")
public interface PromptLabClient {
    @GET
    Response run(@PathParam("checkpointId") UUID checkpointId, @QueryParam("input") String input,
                 @QueryParam("tokens") String tokens, @QueryParam("position") String position,
                 @QueryParam("target") String target, @QueryParam("ablate") String ablate,
                 @QueryParam("patch") String patch, @QueryParam("patchTokens") String patchTokens,
                 @QueryParam("top") String top);
}
