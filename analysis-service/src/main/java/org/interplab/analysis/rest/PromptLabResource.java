package org.interplab.analysis.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.interplab.analysis.promptlab.PromptInputs.PromptInputException;
import org.interplab.analysis.promptlab.PromptLabService;
import org.interplab.contracts.promptlab.PromptLabViews.PromptView;

/**
 * Internal API of the prompt lab (the dashboard proxies it under /api/models/{checkpointId}/prompt): one input run
 * through a transformer checkpoint, with heads ablated or patched. A GET, so that the page's URL is the request.
 */
@Path("/promptlab/{checkpointId}")
@Produces(MediaType.APPLICATION_JSON)
public class PromptLabResource {
    /** Per text field; the request line limit (quarkus.http.limits.max-initial-line-length) holds five such fields even
     * percent-encoded, so a long input is answered here as a named field, never with the HTTP server's 414. */
    static final int MAX_QUERY_CHARS = 2_000;

    @Inject
    PromptLabService promptLab;

    @GET
    public PromptView run(@PathParam("checkpointId") String checkpointId, @QueryParam("input") String input,
                          @QueryParam("tokens") String tokens, @QueryParam("position") String position,
                          @QueryParam("target") String target, @QueryParam("ablate") String ablate,
                          @QueryParam("patch") String patch, @QueryParam("patchTokens") String patchTokens,
                          @QueryParam("top") @DefaultValue("10") String top) {
        UUID id;
        try {
            id = UUID.fromString(checkpointId);
        } catch (IllegalArgumentException e) {
            throw new BadRequest("checkpointId", "checkpointId must be a UUID");
        }
        for (String[] field : new String[][] {{"input", input}, {"tokens", tokens}, {"patch", patch},
                {"patchTokens", patchTokens}, {"ablate", ablate}}) {
            if (field[1] != null && field[1].length() > MAX_QUERY_CHARS) {
                throw new BadRequest(field[0], field[0] + " longer than " + MAX_QUERY_CHARS + " characters");
            }
        }
        PromptLabService.Query query = new PromptLabService.Query(input, tokens, integer("position", position),
                integer("target", target), ablate, patch, patchTokens, integer("top", top));
        try {
            return promptLab.run(id, query);
        } catch (PromptInputException e) {
            throw new BadRequest(e.field, e.getMessage());
        } catch (WebApplicationException e) {
            if (e.getResponse().getStatus() == 404) {
                throw new NotFoundException("no checkpoint " + id);
            }
            throw e;
        } catch (IllegalArgumentException e) {
            throw new BadRequest("checkpointId", e.getMessage());
        }
    }

    private static Integer integer(String field, String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest(field, field + " must be an integer, was '" + value + "'");
        }
    }
}
