package org.interplab.dashboard.rest;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.dashboard.client.AnalysisClient;
import org.interplab.dashboard.client.TrainerClient;
import org.interplab.dashboard.client.TrainerUploads;
import org.interplab.dashboard.client.Upstream;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.entity.AnalysisRecord;
import org.interplab.dashboard.entity.CheckpointRecord;
import org.interplab.dashboard.service.EventIngestService;
import org.interplab.dashboard.service.ExperimentService;
import org.interplab.dashboard.service.ModelService;
import org.interplab.dashboard.service.RunAnnotations;
import org.interplab.dashboard.security.Roles;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.annotation.security.RolesAllowed;

/**
 * Checkpoints, i.e. every model the lab knows (trained here, uploaded, or a reference construction): the list and
 * each one's record (the dashboard's), the weights (from the trainer) and their circuit tables (from the analysis
 * service), and uploads.
 */
@Path("/api/checkpoints")
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

    @Inject
    ModelService models;

    @Inject
    TrainerUploads uploads;

    @Inject
    EventIngestService ingest;

    @Inject
    RunAnnotations runs;

    @Inject
    SecurityIdentity identity;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every model the lab knows, newest first: trained checkpoints, uploads and the reference "
            + "constructions (?source=trained|uploaded|reference, ?final=true for final checkpoints only), with "
            + "their metrics and analysis status")
    public List<Views.ModelView> list(@QueryParam("source") String source, @QueryParam("final") Boolean finalOnly,
                                      @QueryParam("limit") @DefaultValue("200") int limit) {
        if (source != null && !ReferenceCheckpoints.SOURCES.contains(source)) {
            throw ApiException.badRequest("unknown source '" + source + "'; one of " + ReferenceCheckpoints.SOURCES,
                    "source");
        }
        if (limit < 1 || limit > ExperimentResource.MAX_LIST) {
            throw ApiException.badRequest("limit must be in [1, " + ExperimentResource.MAX_LIST + "]", "limit");
        }
        List<CheckpointRecord> list = models.list(source, finalOnly, limit);
        Map<UUID, AnalysisRecord> analyses = models.analyses(list.stream().map(c -> c.checkpointId).toList());
        return list.stream().map(c -> Views.ModelView.of(c, analyses.get(c.checkpointId))).toList();
    }

    @GET
    @Path("{checkpointId}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One model: source, name, step, metrics, analysis status and its spec")
    public Views.ModelDetail get(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        CheckpointRecord c = models.find(id).orElseThrow(() -> ApiException.notFound("no checkpoint " + id));
        AnalysisRecord a = models.analyses(List.of(id)).get(id);
        JsonNode spec = c.spec != null ? Views.tree(c.spec)
                : c.experimentId == null ? null : experiments.find(c.experimentId).map(e -> Views.tree(e.spec))
                .orElse(null);
        return new Views.ModelDetail(Views.ModelView.of(c, a), spec, a == null ? null : Views.AnalysisView.of(a));
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Upload a model to be analysed like a trained run: multipart/form-data with part 'file' "
            + "(a .safetensors file with TransformerLens names, or TMS W/b_final, CiS W1/W2) and part 'spec' "
            + "(ExperimentSpec JSON) or 'preset' (a preset name); a file downloaded from this lab needs neither",
            description = "202 with the stored checkpoint; its analysis follows (GET url). 400 names 'file' for a "
                    + "malformed file, 'spec.<path>' or 'preset' for the spec, or the tensor whose name or shape "
                    + "does not match the spec; nothing is stored then.")
    @RolesAllowed(Roles.RESEARCHER)
    public Response upload(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        String answer = uploads.upload(body, contentType); // streamed through a temp file, never held in memory
        JsonNode stored = Views.tree(answer);
        UUID id = Ids.parse(stored.path("checkpointId").asText(), "checkpointId");
        String spec = stored.hasNonNull("spec") ? stored.get("spec").toString() : null;
        Map<String, Double> metrics = new java.util.LinkedHashMap<>();
        stored.path("metrics").fields().forEachRemaining(e -> metrics.put(e.getKey(), e.getValue().asDouble()));
        // recorded now so that the model is listed at once; the CheckpointPublished event finds it there
        ingest.insertCheckpoint(id, null, stored.path("step").asLong(), true, metrics, Instant.now(),
                ReferenceCheckpoints.SOURCE_UPLOADED, stored.path("name").asText(null), spec);
        runs.ownUpload(id, identity.getPrincipal().getName());
        String url = "/api/checkpoints/" + id;
        return Response.accepted(new Views.UploadAccepted(id, ReferenceCheckpoints.SOURCE_UPLOADED,
                        stored.path("name").asText(null), stored.path("step").asLong(), stored.get("metrics"),
                        stored.get("tensors"), stored.path("sizeBytes").asLong(), url, url + "/safetensors",
                        url + "/analysis"))
                .location(URI.create(url)).type(MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("{checkpointId}/safetensors")
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
    @Path("{checkpointId}/analysis")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Index of the circuit tables computed for this checkpoint")
    public Response analysisIndex(@PathParam("checkpointId") String checkpointId) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        Response answer = Upstream.call("analysis-service", config.analysis().url(), () -> analysis.index(id));
        return Response.ok(answer.readEntity(String.class), MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("{checkpointId}/analysis/{table}")
    @Produces({MediaType.APPLICATION_JSON, "text/csv"})
    @Operation(summary = "One circuit table as JSON (values with row/column labels), or CSV with ?format=csv; "
            + "rows=a:b, cols=c:d and stride=k pick a window or a downsampled view (largest magnitude per block); "
            + "a table over 512×512 cells comes as an overview unless a window is asked for")
    public Response analysisTable(@PathParam("checkpointId") String checkpointId, @PathParam("table") String table,
                                  @QueryParam("format") String format, @QueryParam("rows") String rows,
                                  @QueryParam("cols") String cols, @QueryParam("stride") String stride) {
        UUID id = Ids.parse(checkpointId, "checkpointId");
        if (!TABLE_NAME.matcher(table).matches()) {
            throw ApiException.badRequest("'" + table + "' is not a table name", "table");
        }
        if (format != null && !format.equals("json") && !format.equals("csv")) {
            throw ApiException.badRequest("format must be 'json' or 'csv'", "format");
        }
        Response answer = Upstream.call("analysis-service", config.analysis().url(),
                () -> analysis.table(id, table, format, rows, cols, stride));
        boolean csv = "csv".equals(format);
        Response.ResponseBuilder ok = Response.ok(answer.readEntity(String.class),
                csv ? "text/csv" : MediaType.APPLICATION_JSON);
        if (csv) {
            ok.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + table + ".csv\"");
        }
        return ok.build();
    }

    /** {@code <model name>-step<step>-<id>.safetensors} when the dashboard knows the checkpoint. */
    private String fileName(UUID id) {
        Optional<CheckpointRecord> known = experiments.checkpoint(id);
        if (known.isEmpty()) {
            return id + ".safetensors";
        }
        if (known.get().experimentId == null) {
            String name = known.get().name == null ? known.get().source : known.get().name;
            return name.replaceAll("[^A-Za-z0-9_.\\-]", "_") + "-step" + known.get().step + "-" + id
                    + ".safetensors";
        }
        String name = experiments.find(known.get().experimentId).map(e -> e.name).orElse("checkpoint")
                .replaceAll("[^A-Za-z0-9_.\\-]", "_");
        return name + "-step" + known.get().step + "-" + id + ".safetensors";
    }
}
