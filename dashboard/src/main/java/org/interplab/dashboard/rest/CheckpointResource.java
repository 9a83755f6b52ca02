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
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.io.PushbackInputStream;
import java.net.http.HttpResponse;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.dashboard.client.AnalysisClient;
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
    /** The trainer's hex sha256 of the weights file, passed on with a download. */
    static final String SHA256_HEADER = "X-Checksum-SHA256";
    private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z0-9_.\\-]{1,200}");

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
            + "constructions (?source=trained|uploaded|imported|reference, ?final=true for final checkpoints only, "
            + "?q= text in the name or spec), with their metrics, analysis status and a summary of the spec; one "
            + "page of ?limit= from ?offset=, the number of all matching in X-Total-Count")
    @APIResponse(responseCode = "200", description = "one page of models; X-Total-Count has them all",
            content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(type = SchemaType.ARRAY, implementation = Views.ModelView.class)))
    public Response list(@QueryParam("source") String source, @QueryParam("final") Boolean finalOnly,
                         @QueryParam("q") String q,
                         @QueryParam("limit") @DefaultValue("200") int limit,
                         @QueryParam("offset") @DefaultValue("0") int offset) {
        if (source != null && !ReferenceCheckpoints.SOURCES.contains(source) && !ModelService.IMPORTED.equals(source)) {
            throw ApiException.badRequest("unknown source '" + source + "'; one of " + ReferenceCheckpoints.SOURCES
                    + " or " + ModelService.IMPORTED, "source");
        }
        Pages.check(limit, offset);
        List<CheckpointRecord> list = models.list(source, finalOnly, q, offset, limit);
        List<UUID> ids = list.stream().map(c -> c.checkpointId).toList();
        Map<UUID, AnalysisRecord> analyses = models.analyses(ids);
        Map<UUID, JsonNode> stored = uploads.infos(ids); // sizes are the trainer's to know: one call per page
        return Pages.of(list.stream().map(c -> Views.ModelView.of(c, analyses.get(c.checkpointId))
                .withStored(stored.get(c.checkpointId))).toList(), models.count(source, finalOnly, q));
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
        Optional<JsonNode> stored = uploads.info(id); // size and checksum are the trainer's to know
        return new Views.ModelDetail(Views.ModelView.of(c, a), spec, a == null ? null : Views.AnalysisView.of(a),
                stored.map(i -> i.path("sizeBytes").asLong()).orElse(null),
                stored.map(i -> i.path("sha256").asText(null)).orElse(null));
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
    public Response upload(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType)
            throws IOException {
        // streamed through to the trainer; one byte is peeked to tell an empty request
        PushbackInputStream in = new PushbackInputStream(body == null ? InputStream.nullInputStream() : body);
        int first = in.read();
        if (first < 0) {
            throw ApiException.badRequest("the request has no body; send multipart/form-data with part 'file'",
                    "file");
        }
        in.unread(first);
        return accepted(uploads.upload(in, contentType));
    }

    @POST
    @Path("import/hf")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Import a Hugging Face GPT-Neo model (e.g. TinyStories): multipart/form-data with part "
            + "'model' (pytorch_model.bin or model.safetensors), part 'config' (its config.json) and optionally "
            + "'name'; converted to TransformerLens names and shapes and analysed like a trained run",
            description = "202 with the stored checkpoint; its analysis follows (GET url). 400 names 'model' (a "
                    + "pickle opcode or global that is refused — nothing in a file is ever executed —, a truncated "
                    + "or missing storage, a missing or mis-shaped tensor) or 'config'; nothing is stored then.")
    @RolesAllowed(Roles.RESEARCHER)
    public Response importHuggingFace(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (body == null) {
            throw ApiException.badRequest("the request has no body; send multipart/form-data with parts 'model' "
                    + "and 'config'", "model");
        }
        return accepted(uploads.importHuggingFace(body, contentType));
    }

    /** The trainer stored a model: record it here at once and answer 202 with where it can be read. */
    private Response accepted(String answer) {
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
        HttpResponse<InputStream> answer = uploads.download(id);
        StreamingOutput body = out -> {
            try (InputStream in = answer.body()) {
                in.transferTo(out);
            }
        };
        Response.ResponseBuilder ok = Response.ok(body, SAFETENSORS_TYPE)
                .header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + fileName(id) + "\"");
        answer.headers().firstValue(HttpHeaders.CONTENT_LENGTH).ifPresent(n -> ok.header(HttpHeaders.CONTENT_LENGTH, n));
        answer.headers().firstValue(SHA256_HEADER).ifPresent(sha -> ok.header(SHA256_HEADER, sha));
        return ok.build();
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
