package org.interplab.trainer.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.interplab.trainer.service.CheckpointStore;
import org.interplab.trainer.service.CheckpointStore.CheckpointInfo;

/** Internal API: the owner of the checkpoint table serves its files (the dashboard proxies it publicly). */
@Path("/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {
    @Inject
    CheckpointStore store;

    @GET
    public List<CheckpointInfo> list(@QueryParam("experimentId") UUID experimentId) {
        if (experimentId == null) {
            throw new BadRequest("experimentId", "is required");
        }
        return store.list(experimentId);
    }

    @GET
    @Path("/{id}")
    public CheckpointInfo info(@PathParam("id") UUID id) {
        return store.info(id).orElseThrow(() -> new NotFoundException("no checkpoint " + id));
    }

    @GET
    @Path("/{id}/safetensors")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response safetensors(@PathParam("id") UUID id) {
        byte[] bytes = store.weights(id).orElseThrow(() -> new NotFoundException("no checkpoint " + id));
        return Response.ok(bytes)
                .header("Content-Disposition", "attachment; filename=\"" + id + ".safetensors\"")
                .build();
    }
}
