package org.interplab.dashboard.rest;

import jakarta.annotation.security.RolesAllowed;
import org.interplab.dashboard.security.Roles;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.util.regex.Pattern;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.interplab.dashboard.client.TrainerCorpora;

/**
 * Corpora (owned by the trainer) under {@code /api/corpora…}: listed, described, added by upload or server-side
 * path, and their token splits downloaded; requests and answers stream through.
 */
@Path("/api/corpora")
public class CorpusResource {
    private static final Pattern CORPUS_ID = Pattern.compile("[A-Za-z0-9._\\-]{1,100}");

    @Inject
    TrainerCorpora trainer;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Every corpus: status, progress while tokenizing, story and token counts, sample stories")
    public Response list() {
        return json(trainer.get(""), 200);
    }

    @GET
    @Path("{id}")
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "One corpus")
    public Response get(@PathParam("id") String id) {
        return json(trainer.get("/" + checkId(id)), 200);
    }

    @GET
    @Path("{id}/splits/{split}")
    @Produces({MediaType.APPLICATION_OCTET_STREAM, MediaType.APPLICATION_JSON})
    @Operation(summary = "A split (train or validation) as uint16 little-endian GPT-2 token ids, stories separated "
            + "by 50256")
    public Response split(@PathParam("id") String id, @PathParam("split") String split) {
        if (!"train".equals(split) && !"validation".equals(split)) {
            throw ApiException.badRequest("split must be 'train' or 'validation', was '" + split + "'", "split");
        }
        HttpResponse<InputStream> answer = trainer.get("/" + checkId(id) + "/splits/" + split);
        Response.ResponseBuilder ok = Response.ok(answer.body(), MediaType.APPLICATION_OCTET_STREAM);
        answer.headers().firstValue("Content-Length").ifPresent(n -> ok.header("Content-Length", n));
        return ok.header(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + id + "-" + split + ".u16\"")
                .build();
    }

    @RolesAllowed(Roles.RESEARCHER)
    @POST
    @Consumes({MediaType.MULTIPART_FORM_DATA, MediaType.APPLICATION_JSON})
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Add a corpus: multipart/form-data with part 'file' (.txt stories separated by "
            + "<|endoftext|>, or .jsonl with a 'text' or 'story' field) and optional 'name'; or JSON {name, path} "
            + "naming a file on the trainer's machine", description = "202 with the QUEUED corpus; it is tokenized "
            + "by a job (GET its url for progress). 400 names 'file' or 'path' and the defect; nothing is stored then.")
    public Response add(InputStream body, @HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType) {
        if (contentType == null) {
            throw ApiException.badRequest("send multipart/form-data with part 'file', or JSON {name, path}", "file");
        }
        return json(trainer.post(contentType, body), 202);
    }

    private static String checkId(String id) {
        if (!CORPUS_ID.matcher(id).matches()) {
            throw ApiException.badRequest("'" + id + "' is not a corpus id", "id");
        }
        return id;
    }

    private static Response json(HttpResponse<InputStream> answer, int status) {
        return Response.status(status).entity(answer.body()).type(MediaType.APPLICATION_JSON_TYPE).build();
    }
}
