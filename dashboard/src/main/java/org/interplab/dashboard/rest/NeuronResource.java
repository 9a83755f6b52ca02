package org.interplab.dashboard.rest;

import jakarta.annotation.security.RolesAllowed;
import org.interplab.dashboard.security.Roles;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.interplab.contracts.Json;
import org.interplab.contracts.neuroscope.NeuroscopeViews;
import org.interplab.dashboard.client.NeuroscopeClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;

/**
 * The Neuroscope of a model (a checkpoint): each MLP neuron's max-activating texts, samples, histogram and what it
 * writes to the logits; the neuron index; search by token; live text; seed 001 §2's cosine structure. Computed and
 * served by the analysis service; passed on here unchanged (schemas in contracts' NeuroscopeViews).
 */
@Path("/api/models/{checkpointId}")
@Tag(name = "Neuroscope")
public class NeuronResource {
    @Inject
    NeuroscopeClient neuroscope;
    @Inject
    LabConfig config;

    private Response json(Supplier<Response> call) {
        Response answer = Upstream.call("analysis-service", config.analysis().url(), call);
        return Response.status(answer.getStatus()).entity(answer.readEntity(String.class))
                .type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("/neuroscope/scans")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "The Neuroscope scans of this model with their progress (shards and tokens done of total)")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.ScanView[].class)))
    public Response scans(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return json(() -> neuroscope.scans(id));
    }

    @RolesAllowed(Roles.RESEARCHER)
    @POST
    @Path("/neuroscope/scans")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Request a Neuroscope scan of this model over a corpus's validation split (default the "
            + "built-in stories); 202 when queued, 200 when the scan already exists")
    @RequestBody(content = @Content(schema = @Schema(implementation = NeuroscopeViews.ScanRequest.class)))
    @APIResponse(responseCode = "202", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.ScanAccepted.class)))
    public Response requestScan(@PathParam("checkpointId") String checkpointId, String body) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        NeuroscopeViews.ScanRequest request;
        try {
            request = body == null || body.isBlank() ? new NeuroscopeViews.ScanRequest(null, null)
                    : Json.read(body, NeuroscopeViews.ScanRequest.class);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("the body is not a scan request {corpus, maxTokens}", "body");
        }
        return json(() -> neuroscope.requestScan(id, Json.write(request)));
    }

    @GET
    @Path("/neurons/{layer}/{neuron}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One MLP neuron: statistics, top examples (tokens with the neuron's activation on each), "
            + "quantile-band and random samples, histogram, logit effect, input tokens and similar neurons")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.NeuronView.class)))
    public Response neuron(@PathParam("checkpointId") String checkpointId, @PathParam("layer") int layer,
                           @PathParam("neuron") int neuron, @QueryParam("corpus") String corpus) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return json(() -> neuroscope.neuron(id, layer, neuron, corpus));
    }

    @GET
    @Path("/neurons")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(summary = "The neuron index: ?sort=max|density|mean|sharpness|neuron, ?order=desc|asc, ?layer, "
            + "?limit, ?offset; ?format=csv for CSV")
    @APIResponse(responseCode = "200", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(implementation = NeuroscopeViews.NeuronIndex.class)))
    public Response index(@PathParam("checkpointId") String checkpointId, @QueryParam("corpus") String corpus,
                          @QueryParam("layer") Integer layer, @QueryParam("sort") String sort,
                          @QueryParam("order") String order, @QueryParam("limit") Integer limit,
                          @QueryParam("offset") Integer offset, @QueryParam("format") String format) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        Response answer = Upstream.call("analysis-service", config.analysis().url(),
                () -> neuroscope.index(id, corpus, layer, sort, order, limit, offset, format));
        boolean csv = "csv".equals(format);
        Response.ResponseBuilder ok = Response.ok(answer.readEntity(String.class),
                csv ? "text/csv" : MediaType.APPLICATION_JSON);
        if (csv) {
            ok.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"neurons-" + id + ".csv\"");
        }
        return ok.build();
    }

    @GET
    @Path("/neuroscope/search")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Neurons that fire most on a token (?token=<GPT-2 id> or ?text=<one token>), from their "
            + "top examples")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.TokenSearch.class)))
    public Response search(@PathParam("checkpointId") String checkpointId, @QueryParam("token") Integer token,
                           @QueryParam("text") String text, @QueryParam("corpus") String corpus,
                           @QueryParam("limit") Integer limit) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return json(() -> neuroscope.search(id, token, text, corpus, limit));
    }

    @RolesAllowed(Roles.VIEWER)
    @POST
    @Path("/neuroscope/live")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run the model on a text now: per layer and token the top neurons, and per layer the "
            + "neurons most active anywhere in the text")
    @RequestBody(content = @Content(schema = @Schema(implementation = NeuroscopeViews.LiveRequest.class)))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.LiveView.class)))
    public Response live(@PathParam("checkpointId") String checkpointId, String body, @QueryParam("top") Integer top) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        NeuroscopeViews.LiveRequest request;
        try {
            request = Json.read(body, NeuroscopeViews.LiveRequest.class);
        } catch (RuntimeException e) {
            throw ApiException.badRequest("the body must be {\"text\": \"...\"}", "text");
        }
        return json(() -> neuroscope.live(id, Json.write(request), top));
    }

    @GET
    @Path("/neuroscope/cosine/{layer}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Seed 001 §2: the neuron × neuron cosine matrix of W_out rows (?matrix=W_in for W_in "
            + "columns) along a greedy path maximising adjacent squared cosine, pooled to ?size, beside a random "
            + "Gaussian matrix's path statistic")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            NeuroscopeViews.CosineView.class)))
    public Response cosine(@PathParam("checkpointId") String checkpointId, @PathParam("layer") int layer,
                           @QueryParam("matrix") String matrix, @QueryParam("size") Integer size) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        return json(() -> neuroscope.cosine(id, layer, matrix, size));
    }
}
