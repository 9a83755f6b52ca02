package org.interplab.analysis.client;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

/** The trainer's corpora (I-5): a split is uint16 little-endian token ids, stories separated by 50256. */
@RegisterRestClient(configKey = "trainer")
@Path("/corpora")
public interface CorpusClient {
    @GET
    @Path("/{id}/splits/{split}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    byte[] split(@PathParam("id") String corpusId, @PathParam("split") String split);
}
