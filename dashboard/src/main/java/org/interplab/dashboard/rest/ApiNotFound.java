package org.interplab.dashboard.rest;

import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Every path under /api that no resource serves answers 404 with the JSON error body, not the web UI's HTML page.
 * Resources with a longer literal path win the match, so this only catches what nothing else does.
 */
@Path("/api/{path: .*}")
@Produces(MediaType.APPLICATION_JSON)
public class ApiNotFound {

    @GET
    @Operation(hidden = true)
    public void get(@PathParam("path") String path) {
        throw notFound(path);
    }

    @POST
    @Operation(hidden = true)
    public void post(@PathParam("path") String path) {
        throw notFound(path);
    }

    @PUT
    @Operation(hidden = true)
    public void put(@PathParam("path") String path) {
        throw notFound(path);
    }

    @DELETE
    @Operation(hidden = true)
    public void delete(@PathParam("path") String path) {
        throw notFound(path);
    }

    @PATCH
    @Operation(hidden = true)
    public void patch(@PathParam("path") String path) {
        throw notFound(path);
    }

    private static ApiException notFound(String path) {
        return ApiException.notFound("no such API resource: /api/" + path);
    }
}
