package org.interplab.dashboard.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.client.AnalysisClient;
import org.interplab.dashboard.client.TrainerClient;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.service.ExperimentService;

/** Checkpoints: the weights (from the trainer) and their circuit tables (from the analysis service). */
@Path("/api/checkpoints/{checkpointId}")
public class CheckpointResource {
    static final String SAFETENSORS_TYPE = MediaType.APPLICATION_OCTET_STREAM;
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,200}");

    @Inject
    TrainerClient trainer;

    @Inject
    AnalysisClient analysis;

    @Inject
    ExperimentService experiments;

    @Inject
    LabConfig config;

    @GET
    @Path("safetensors")
    @Produces({SAFETENSORS_TYPE, MediaType.APPLICATION_JSON})
    @Operation(summary = "Download the checkpoint as safetensors (TransformerLens tensor names, spec in __metadata__)")
    public Response safetensors(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        Response answer = Upstream.call("trainer-service", config.trainer().url(), () -> trainer.safetensors(id));
        return Response.ok(answer.readEntity(InputStream.class), SAFETENSORS_TYPE)
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + fileName(id) + "\"")
                .build();
    }

    @GET
    @Path("analysis")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Index of the circuit tables computed for this checkpoint")
    public Response analysisIndex(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        Response answer = Upstream.call("analysis-service", config.analysis().url(), () -> analysis.index(id));
        return Response.ok(answer.readEntity(String.class), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("analysis/{table}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(summary = "One circuit table as JSON (values with row/column labels), or CSV with ?format=csv")
    public Response analysisTable(@PathParam("checkpointId") String checkpointId, @PathParam("table") String table,
                                  @QueryParam("format") String format) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        if (!TABLE_NAME.matcher(table).matches()) {
            throw ApiException.badRequest("'" + table + "' is not a table name", "table");
        }
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw ApiException.badRequest("format must be 'json' or 'csv'", "format");
        }
        Response answer = Upstream.call("analysis-service", config.analysis().url(),
                () -> analysis.table(id, table, format));
        boolean csv = "csv".equals(format);
        Response.ResponseBuilder ok = Response.ok(answer.readEntity(String.class),
                csv ? "text/csv" : MediaType.APPLICATION_JSON);
        if (csv) {
            ok.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + table + ".csv\"");
        }
        return ok.build();
    }

    /** {@code <experiment name>-step<step>-<id>.safetensors} when the dashboard knows the checkpoint. */
    private String fileName(UUID id) {
        Optional<CheckpointRecord> known = experiments.checkpoint(id);
        if (known.isEmpty() || known.get().experimentId == null) {
            return id + ".safetensors";
        }
        String name = experiments.find(known.get().experimentId).map(e -> e.name).orElse("checkpoint")
                .replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return name + "-step" + known.get().step + "-" + id + ".safetensors";
    }
}
