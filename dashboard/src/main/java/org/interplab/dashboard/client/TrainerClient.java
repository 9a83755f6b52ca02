package org.interplab.dashboard.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.UUID;

/** The trainer-service's internal API ({@code lab.trainer.url}). Built in {@link UpstreamClients}. */
@Path("/")
public interface TrainerClient {

    @GET
    @Path("checkpoints/{checkpointId}/safetensors")
    Response safetensors(@PathParam("checkpointId") UUID checkpointId);

    /** {@code {"workers": n, "busy": k}}: the trainer's training threads and how many train now. */
    @GET
    @Path("workers")
    Response workers();

    @POST
    @Path("experiments/{experimentId}/cancel")
    Response cancel(@PathParam("experimentId") UUID experimentId);
}
