package org.interplab.trainer.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.NotFoundException;
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
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.trainer.service.CheckpointUploads;
import org.interplab.trainer.service.CheckpointStore;
import org.interplab.trainer.service.CheckpointStore.CheckpointInfo;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/** Internal API: the owner of the checkpoint table serves its files (the dashboard proxies it publicly). */
@Path("/checkpoints")
@Produces(MediaType.APPLICATION_JSON)
public class CheckpointResource {
    /** A config.json is a few hundred bytes; anything this large is not one. */
    static final long MAX_CONFIG_BYTES = 1 << 20;
    static final String SHA256_HEADER = "X-Checksum-SHA256";

    @Inject
    CheckpointStore store;

    @Inject
    CheckpointUploads uploads;

    /** Most ids one {@code ?ids=} list may name (a page of the dashboard's models is at most 200). */
    static final int MAX_IDS = 500;

    /**
     * The checkpoints of one experiment ({@code experimentId}), of one source ({@code source}), or named by
     * {@code ids} (comma-separated; unknown ones left out): one call for the sizes of a page of models.
     */
    @GET
    public List<CheckpointInfo> list(@QueryParam("experimentId") UUID experimentId,
                                     @QueryParam("source") String source, @QueryParam("ids") String ids) {
        if (ids != null) {
            List<UUID> wanted = new java.util.ArrayList<>();
            for (String id : ids.split(",")) {
                if (id.isBlank()) {
                    continue;
                }
                try {
                    wanted.add(UUID.fromString(id.trim()));
                } catch (IllegalArgumentException e) {
                    throw new BadRequest("ids", "'" + id.trim() + "' is not a checkpoint id (UUID)");
                }
                if (wanted.size() > MAX_IDS) {
                    throw new BadRequest("ids", "at most " + MAX_IDS + " ids");
                }
            }
            return store.infos(wanted);
        }
        if (experimentId != null) {
            return store.list(experimentId);
        }
        if (source != null) {
            if (!ReferenceCheckpoints.SOURCES.contains(source)) {
                throw new BadRequest("source", "must be one of " + ReferenceCheckpoints.SOURCES);
            }
            return store.listBySource(source);
        }
        throw new BadRequest("experimentId", "is required (or source)");
    }

    /**
     * Upload a model to be analysed: multipart/form-data with part {@code file} (a .safetensors file with
     * TransformerLens names, or TMS/CiS names) and either {@code spec} (ExperimentSpec JSON) or {@code preset} (a
     * preset name); without either, the spec in the file's interplab {@code __metadata__} is used. 201 with what
     * was stored; 400 naming {@code file}, {@code spec…}, {@code preset} or the offending tensor, nothing stored.
     */
    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response upload(@RestForm("file") FileUpload file, @RestForm("spec") String spec,
                           @RestForm("preset") String preset) {
        // the multipart file part is already a temporary file (streamed to disk); it goes on to the store from there
        CheckpointUploads.Stored stored = uploads.upload(file == null ? null : file.uploadedFile(),
                file == null ? null : file.fileName(), spec, preset);
        return Response.created(URI.create("/checkpoints/" + stored.checkpointId())).entity(stored).build();
    }

    /**
     * Import a Hugging Face GPT-Neo model (e.g. TinyStories-1M/33M): multipart/form-data with part {@code model}
     * ({@code pytorch_model.bin} or {@code model.safetensors}), part {@code config} ({@code config.json}) and
     * optionally {@code name}. The parts arrive as temporary files; the model is converted to TransformerLens names
     * and stored like an upload. 201 with what was stored; 400 naming {@code model} or {@code config} with the
     * defect (a refused pickle opcode or global, a truncated storage, a missing or mis-shaped tensor), nothing
     * stored.
     */
    @POST
    @Path("/import/hf")
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response importHuggingFace(@RestForm("model") FileUpload model, @RestForm("config") FileUpload config,
                                      @RestForm("name") String name) {
        byte[] configJson = null;
        if (config != null && config.uploadedFile() != null) {
            try {
                if (Files.size(config.uploadedFile()) > MAX_CONFIG_BYTES) {
                    throw new BadRequest("config", "config.json is larger than " + MAX_CONFIG_BYTES + " bytes");
                }
                configJson = Files.readAllBytes(config.uploadedFile());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        CheckpointUploads.Stored stored = uploads.importGptNeo(model == null ? null : model.uploadedFile(),
                model == null ? null : model.fileName(), configJson, name);
        return Response.created(URI.create("/checkpoints/" + stored.checkpointId())).entity(stored).build();
    }

    @GET
    @Path("/{id}")
    public CheckpointInfo info(@PathParam("id") UUID id) {
        return store.info(id).orElseThrow(() -> new NotFoundException("no checkpoint " + id));
    }

    /** The weights file, streamed from the object store, with its sha256 in {@code X-Checksum-SHA256} (hex). */
    @GET
    @Path("/{id}/safetensors")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response safetensors(@PathParam("id") UUID id) {
        CheckpointStore.CheckpointObjects files = store.objects(id)
                .orElseThrow(() -> new NotFoundException("no checkpoint " + id));
        StreamingOutput body = out -> {
            try (InputStream in = store.open(files.weights())) {
                in.transferTo(out);
            }
        };
        return Response.ok(body)
                .header(HttpHeaders.CONTENT_LENGTH, files.weights().size())
                .header(SHA256_HEADER, files.weights().sha256())
                .header("Content-Disposition", "attachment; filename=\"" + id + ".safetensors\"")
                .build();
    }
}
