package org.interplab.analysis;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Test-only: serves corpus validation splits (uint16 LE) the way the trainer's corpus API does (I-5). */
@Path("/test-trainer/corpora")
public class TestTrainerCorpora {
    public static final Map<String, byte[]> VALIDATION = new ConcurrentHashMap<>();

    @GET
    @Path("/{id}/splits/{split}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public byte[] split(@PathParam("id") String id, @PathParam("split") String split) {
        byte[] bytes = "validation".equals(split) ? VALIDATION.get(id) : null;
        if (bytes == null) {
            throw new NotFoundException("no corpus " + id + " split " + split);
        }
        return bytes;
    }
}
