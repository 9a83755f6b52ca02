package org.interplab.trainer.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.trainer.metrics.TrainerMetrics;

/** Internal API: this replica's training threads, which the dashboard needs for its queue ETAs. */
@Path("/workers")
@Produces(MediaType.APPLICATION_JSON)
public class WorkerResource {
    @Inject
    TrainerMetrics metrics;

    public record Workers(int workers, int busy, long queued) {
    }

    @GET
    @Operation(summary = "Training threads of this replica (lab.trainer.workers, default one per core), how many "
            + "train now, and how many jobs wait")
    public Workers workers() {
        return new Workers(metrics.workers(), metrics.busy(), metrics.queuedCount());
    }
}
