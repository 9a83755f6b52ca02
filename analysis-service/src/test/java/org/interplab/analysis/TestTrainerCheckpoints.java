package org.interplab.analysis;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** Test-only: serves safetensors files the way the trainer's checkpoint API does, from files a test registers. */
@Path("/test-trainer/checkpoints")
public class TestTrainerCheckpoints {
    public static final Map<UUID, byte[]> FILES = new ConcurrentHashMap<>();
    /** Checkpoints for which the "trainer" answers 503 this many more times (a trainer that is restarting). */
    static final Map<UUID, Integer> UNAVAILABLE = new ConcurrentHashMap<>();

    @GET
    @Path("/{id}/safetensors")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] safetensors(@PathParam("id") UUID id) {
        Integer left = UNAVAILABLE.get(id);
        if (left != null && left > 0) {
            UNAVAILABLE.put(id, left - 1);
            throw new jakarta.ws.rs.ServiceUnavailableException("trainer restarting");
        }
        byte[] bytes = FILES.get(id);
        if (bytes == null) {
            throw new NotFoundException("no checkpoint " + id);
        }
        return bytes;
    }
}
