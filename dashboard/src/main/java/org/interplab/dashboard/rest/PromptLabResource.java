package org.interplab.dashboard.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.UUID;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.interplab.contracts.promptlab.PromptLabViews;
import org.interplab.dashboard.client.PromptLabClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;

/**
 * The prompt lab of a transformer checkpoint: one input through the model with its logits, every head's attention
 * pattern, the direct logit attribution of a target token, and heads zero-/mean-ablated or patched from another
 * input (TransformerLens-style hooks on hook_z). Computed by the analysis service; passed on here unchanged
 * (schema in contracts' PromptLabViews). A GET, so that a page's URL reproduces the run.
 */
@Path("/api/models/{checkpointId}/prompt")
@Tag(name = "Prompt lab")
public class PromptLabResource {
    @Inject
    PromptLabClient promptLab;
    @Inject
    LabConfig config;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run one input through a transformer checkpoint: top logits per position, every head's "
            + "hook_pattern, the direct logit attribution of the target at the position, and (with ?ablate) the run "
            + "with heads ablated or patched and the change in the target logit")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation =
            PromptLabViews.PromptView.class)))
    @APIResponse(responseCode = "400", description = "a wrong field, named in {error, field}")
    @APIResponse(responseCode = "404", description = "no such checkpoint")
    public Response run(@PathParam("checkpointId") String checkpointId,
                        @Parameter(description = "the input in the task's text form: xor letters (ACQ), ov-coherent "
                                + "labels (7 2 9 4 R), addition a+b (123456+654321), or text for a GPT-2 model")
                        @QueryParam("input") String input,
                        @Parameter(description = "the input as token ids (comma-separated) instead of input")
                        @QueryParam("tokens") String tokens,
                        @Parameter(description = "read-off position (default the task's answer position, else the last)")
                        @QueryParam("position") String position,
                        @Parameter(description = "target output token id (default the task's answer / next token)")
                        @QueryParam("target") String target,
                        @Parameter(description = "heads to change: L{layer}H{head}:{zero|mean|patch}, comma-separated")
                        @QueryParam("ablate") String ablate,
                        @Parameter(description = "the input patched heads are taken from (same length), text form")
                        @QueryParam("patch") String patch,
                        @Parameter(description = "the patch input as token ids instead of patch")
                        @QueryParam("patchTokens") String patchTokens,
                        @Parameter(description = "top tokens per position (1-50, default 10)")
                        @QueryParam("top") String top) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        Response answer = Upstream.call("analysis-service", config.analysis().url(),
                () -> promptLab.run(id, input, tokens, position, target, ablate, patch, patchTokens, top));
        return Response.ok(answer.readEntity(String.class), MediaType.APPLICATION_JSON_TYPE).build();
    }
}
