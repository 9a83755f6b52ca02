package org.interplab.analysis.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The trainer's internal API: checkpoints are read through their owner, never from its tables. */
@RegisterRestClient(configKey = "trainer")
@Path("/checkpoints")
public interface TrainerClient {
    @GET
    @Path("/{id}/safetensors")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] safetensors(@PathParam("id") UUID checkpointId);
}
