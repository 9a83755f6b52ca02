package org.interplab.analysis.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;
import org.interplab.analysis.jobs.DeadLetters;

/** checkpoints.published.dlq: the events this service could not read, with the reason in their headers. */
@Path("/dead-letters")
@Produces(MediaType.APPLICATION_JSON)
public class DeadLetterResource {
    @Inject
    DeadLetters letters;

    @GET
    public List<DeadLetters.Letter> list(@QueryParam("limit") @DefaultValue("100") int limit) {
        if (limit < 1 || limit > 1000) {
            throw new BadRequest("limit", "must be in [1, 1000], was " + limit);
        }
        return letters.list(limit);
    }

    @POST
    @Path("/{partition}/{offset}/replay")
    public DeadLetters.Letter replay(@PathParam("partition") int partition, @PathParam("offset") long offset) {
        return letters.replay(partition, offset).orElseThrow(() -> new NotFoundException(
                "no dead letter at partition " + partition + ", offset " + offset));
    }
}
