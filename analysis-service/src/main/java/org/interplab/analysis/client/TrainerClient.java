package org.interplab.analysis.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.StandardCopyOption;
import java.util.UUID;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;

/** The trainer's internal API: checkpoints are read through their owner, never from its tables. */
@RegisterRestClient(configKey = "trainer")
@Path("/checkpoints")
public interface TrainerClient {
    /** The weights file as a stream the caller closes. */
    @GET
    @Path("/{id}/safetensors")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    InputStream safetensors(@PathParam("id") UUID checkpointId);

    /**
     * The checkpoint's tensors: the file is streamed to a temporary file and parsed from there, so that a large
     * model is never held as one whole-file array besides its tensors.
     */
    default SafetensorsFile read(UUID checkpointId) {
        java.nio.file.Path tmp = null;
        try (InputStream in = safetensors(checkpointId)) {
            tmp = Files.createTempFile("checkpoint-", ".safetensors");
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return Safetensors.read(tmp);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read checkpoint " + checkpointId + " from the trainer", e);
        } finally {
            if (tmp != null) {
                tmp.toFile().delete();
            }
        }
    }
}
