package org.interplab.trainer.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.trainer.entity.TrainingJob;
import org.interplab.trainer.service.JobStore;
import org.interplab.trainer.service.TrainingEvents;

/** Internal API over training jobs: their state, and cancelling one. */
@Path("/experiments/{id}")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentJobResource {
    @Inject
    JobStore jobs;
    @Inject
    TrainingEvents events;

    public record JobView(UUID experimentId, String status, long step, long totalSteps, int attempts,
                          boolean cancelRequested, String error, Instant heartbeatAt) {
    }

    @GET
    @Path("/job")
    public JobView job(@PathParam("id") UUID id) {
        TrainingJob j = jobs.find(id).orElseThrow(() -> new NotFoundException("no training job for experiment " + id));
        return new JobView(j.experimentId, j.status, j.step, j.totalSteps, j.attempts, j.cancelRequested, j.error,
                j.heartbeatAt);
    }

    @POST
    @Path("/cancel")
    public Map<String, Object> cancel(@PathParam("id") UUID id) {
        JobStore.Cancel cancel = jobs.requestCancel(id);
        if (cancel.endedNow()) {
            // a job that has not started never reaches a worker, so its end is announced here
            events.progress(new TrainingProgress(id, RunStatus.CANCELLED, 0, 0, Map.of(), "cancelled before start",
                    null, Instant.now()));
        }
        return Map.of("experimentId", id, "status", cancel.status().name(), "cancelRequested", true);
    }
}
