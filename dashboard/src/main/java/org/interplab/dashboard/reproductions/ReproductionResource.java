package org.interplab.dashboard.reproductions;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.rest.ApiException;

/**
 * The seeds' claims with the lab's figures, all computed from runs (see {@code reproductions/claims.json}). Runs are
 * started through POST /api/experiments with a claim's {@code request} (plus {@code "grid": {"seed": [...]}}).
 */
@Path("/api/reproductions")
@Produces(MediaType.APPLICATION_JSON)
public class ReproductionResource {
    @Inject
    ReproductionService reproductions;

    @GET
    @Operation(summary = "Every claim of the seeds: the seed's figure, the preset that tests it, the latest measured "
            + "figure, the runs behind it and how many seeds agree")
    public List<ReproductionService.ClaimView> list() {
        return reproductions.all();
    }

    @GET
    @Path("{id}")
    @Operation(summary = "One claim with its runs and figures")
    public ReproductionService.ClaimView get(@PathParam("id") String id) {
        return reproductions.one(Claims.byId(id).orElseThrow(() -> ApiException.notFound("no claim '" + id
                + "'; one of " + Claims.ALL.stream().map(Claim::id).toList())));
    }
}
