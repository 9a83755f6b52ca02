package org.interplab.trainer.rest;

import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.interplab.core.corpus.CorpusFormatException;
import org.interplab.core.corpus.StoryReader;
import org.interplab.storage.ObjectStore;
import org.interplab.trainer.corpus.CorpusRow;
import org.interplab.trainer.corpus.CorpusStore;
import org.interplab.trainer.corpus.CorpusTokenizing;
import org.jboss.resteasy.reactive.RestForm;
import org.jboss.resteasy.reactive.multipart.FileUpload;

/**
 * Corpora shared by the team (I-5). A corpus is added from an uploaded TinyStories-format {@code .txt} or a
 * {@code .jsonl} file, or from a file on the server named by its path; the file is checked (readable stories, at
 * least two) before anything is stored, then tokenized by a job. The split files stream out as uint16 tokens.
 */
@Path("/corpora")
@Produces(MediaType.APPLICATION_JSON)
public class CorpusResource {
    /** The split seed of added corpora (the built-in corpus uses its generator seed). */
    static final long SPLIT_SEED = 1;

    @Inject
    CorpusStore corpora;
    @Inject
    ObjectStore objects;

    public record PathRequest(String name, String path) {
    }

    @GET
    public List<Map<String, Object>> list() {
        return corpora.list().stream().map(CorpusRow::toJson).toList();
    }

    @GET
    @Path("/{id}")
    public Map<String, Object> get(@PathParam("id") String id) {
        return find(id).toJson();
    }

    @GET
    @Path("/{id}/splits/{split}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response split(@PathParam("id") String id, @PathParam("split") String split) {
        CorpusRow row = find(id);
        if (!"train".equals(split) && !"validation".equals(split)) {
            throw new BadRequest("split", "must be 'train' or 'validation', was '" + split + "'");
        }
        if (!"READY".equals(row.status())) {
            return ErrorMappers.json(409, "corpus " + id + " is " + row.status() + ", not READY", "status");
        }
        String key = "train".equals(split) ? row.trainKey() : row.validationKey();
        long size = "train".equals(split) ? row.trainSize() : row.validationSize();
        StreamingOutput body = out -> {
            try (InputStream in = objects.get(key).orElseThrow(() -> new NotFoundException("split file missing"))) {
                in.transferTo(out);
            }
        };
        return Response.ok(body).header("Content-Length", size)
                .header("Content-Disposition", "attachment; filename=\"" + id + "-" + split + ".u16\"").build();
    }

    @POST
    @Consumes(MediaType.MULTIPART_FORM_DATA)
    public Response upload(@RestForm("file") FileUpload file, @RestForm("name") String name) throws IOException {
        if (file == null || file.uploadedFile() == null) {
            throw new BadRequest("file", "is required: a .txt (stories separated by <|endoftext|>) or .jsonl file");
        }
        StoryReader.Format format = formatOf(file.fileName(), "file");
        java.nio.file.Path uploaded = file.uploadedFile();
        checkStories(uploaded, format, "file");
        String corpusName = name == null || name.isBlank() ? file.fileName() : name.strip();
        String id = newId(corpusName);
        String sourceKey = "corpora/" + id + "/source." + format.name().toLowerCase(Locale.ROOT);
        try (InputStream in = Files.newInputStream(uploaded)) {
            objects.put(sourceKey, in);
        }
        try {
            corpora.register(id, corpusName, CorpusTokenizing.KIND_UPLOAD, format.name().toLowerCase(Locale.ROOT),
                    sourceKey, SPLIT_SEED);
        } catch (RuntimeException e) {
            objects.delete(sourceKey);
            throw e;
        }
        return Response.status(202).entity(find(id).toJson()).build();
    }

    @Inject
    org.interplab.trainer.config.TrainerConfig config;

    private boolean underAllowedRoot(java.nio.file.Path file) {
        for (String root : config.corpora().pathRoots()) {
            try {
                java.nio.file.Path r = java.nio.file.Path.of(root.strip()).toAbsolutePath().normalize();
                if (Files.isDirectory(r) && file.startsWith(r.toRealPath())) {
                    return true;
                }
            } catch (IOException e) {
                // an unreadable root allows nothing
            }
        }
        return false;
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Response fromPath(PathRequest request) throws IOException {
        if (request == null || request.path() == null || request.path().isBlank()) {
            throw new BadRequest("path", "is required: a .txt or .jsonl file on the trainer's machine");
        }
        java.nio.file.Path path = java.nio.file.Path.of(request.path()).toAbsolutePath().normalize();
        StoryReader.Format format = formatOf(path.getFileName().toString(), "path");
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new BadRequest("path", "no readable file at " + path);
        }
        path = path.toRealPath(); // symbolic links resolved before the directory check
        if (!underAllowedRoot(path)) {
            throw new BadRequest("path", "corpora are read only from the directories in lab.corpora.path-roots ("
                    + String.join(", ", config.corpora().pathRoots()) + "); " + path + " is outside them");
        }
        checkStories(path, format, "path");
        String corpusName = request.name() == null || request.name().isBlank() ? path.getFileName().toString()
                : request.name().strip();
        String id = newId(corpusName);
        corpora.register(id, corpusName, CorpusTokenizing.KIND_PATH, format.name().toLowerCase(Locale.ROOT),
                path.toString(), SPLIT_SEED);
        return Response.status(202).entity(find(id).toJson()).build();
    }

    private CorpusRow find(String id) {
        return corpora.find(id).orElseThrow(() -> new NotFoundException("no corpus " + id));
    }

    private static StoryReader.Format formatOf(String fileName, String field) {
        StoryReader.Format format = StoryReader.Format.ofFileName(fileName);
        if (format == null) {
            throw new BadRequest(field, "must be a .txt (stories separated by <|endoftext|>) or .jsonl file, was '"
                    + fileName + "'");
        }
        return format;
    }

    /** Reads the whole file as stories (no tokenizing) so that a malformed file is refused before it is stored. */
    private static void checkStories(java.nio.file.Path file, StoryReader.Format format, String field)
            throws IOException {
        long[] stories = {0};
        try (InputStream in = Files.newInputStream(file)) {
            StoryReader.read(in, format, story -> stories[0]++);
        } catch (CorpusFormatException e) {
            throw new BadRequest(field, e.getMessage());
        }
        if (stories[0] < 2) {
            throw new BadRequest(field, "a corpus needs at least 2 stories (one for training, one for validation), "
                    + "found " + stories[0]);
        }
    }

    /** A readable, unique id: the name's letters and digits, then 8 random hex digits. */
    static String newId(String name) {
        String slug = name.toLowerCase(Locale.ROOT).replaceAll("\\.(txt|jsonl)$", "").replaceAll("[^a-z0-9]+", "-")
                .replaceAll("(^-+|-+$)", "");
        if (slug.length() > 60) {
            slug = slug.substring(0, 60);
        }
        return (slug.isEmpty() ? "corpus" : slug) + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
