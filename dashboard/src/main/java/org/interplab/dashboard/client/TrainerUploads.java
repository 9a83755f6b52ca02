package org.interplab.dashboard.client;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.rest.ApiException;

/**
 * Forwards an upload to the trainer's {@code POST /checkpoints} byte for byte (the multipart body with its
 * boundary), so that the trainer, which owns checkpoints, sees exactly what the client sent; and streams a
 * checkpoint download back. Both stream (JDK HttpClient): a large model passes through without being held in memory.
 */
@ApplicationScoped
public class TrainerUploads {
    static final String SERVICE = "trainer-service";

    @Inject
    LabConfig config;

    @ConfigProperty(name = "lab.limits.upload-bytes", defaultValue = "536870912")
    long maxUpload;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** The trainer's 2xx answer body (JSON); a 4xx is passed on as the dashboard's error, a 5xx is a 502. */
    public String upload(InputStream multipartBody, String contentType) {
        return post("/checkpoints", multipartBody, contentType);
    }

    /**
     * Forwards a Hugging Face GPT-Neo import (multipart model + config) to the trainer's
     * {@code POST /checkpoints/import/hf}, streaming the body as it arrives; answers as {@link #upload}.
     */
    public String importHuggingFace(InputStream multipartBody, String contentType) {
        return post("/checkpoints/import/hf", multipartBody, contentType);
    }

    private String post(String path, InputStream multipartBody, String contentType) {
        Limited body = new Limited(multipartBody, maxUpload);
        HttpRequest request = request(path)
                .timeout(Duration.ofSeconds(1800))
                .header("Content-Type", contentType)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body))
                .build();
        HttpResponse<String> response;
        try {
            response = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ApiException e) {
            if (body.exceeded) {
                throw new ApiException(413, "the upload exceeds " + maxUpload + " bytes (lab.limits.upload-bytes)",
                        "file", null);
            }
            throw e;
        }
        if (response.statusCode() >= 400) {
            throw Upstream.failure(SERVICE, response.statusCode(), response.body());
        }
        return response.body();
    }

    /** The trainer's {@code GET /checkpoints/{id}/safetensors} as a stream (status 200) the caller closes. */
    public HttpResponse<InputStream> download(UUID checkpointId) {
        HttpRequest request = request("/checkpoints/" + checkpointId + "/safetensors")
                .timeout(Duration.ofSeconds(120))
                .GET()
                .build();
        HttpResponse<InputStream> response = send(request, HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() >= 400) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = null;
            }
            throw Upstream.failure(SERVICE, response.statusCode(), body);
        }
        return response;
    }

    /** The trainer's record of a stored checkpoint (size, sha256, metadata), or empty when it cannot say. */
    public java.util.Optional<com.fasterxml.jackson.databind.JsonNode> info(UUID checkpointId) {
        HttpRequest request = request("/checkpoints/" + checkpointId).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> answer = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            return answer.statusCode() == 200 ? java.util.Optional.of(org.interplab.contracts.Json.MAPPER
                    .readTree(answer.body())) : java.util.Optional.empty();
        } catch (ApiException | IOException unavailable) {
            return java.util.Optional.empty();
        }
    }

    /**
     * The trainer's records of these checkpoints in one call ({@code GET /checkpoints?ids=}), by id; empty when it
     * cannot say (the list then shows no sizes rather than failing).
     */
    public java.util.Map<UUID, com.fasterxml.jackson.databind.JsonNode> infos(java.util.List<UUID> ids) {
        java.util.Map<UUID, com.fasterxml.jackson.databind.JsonNode> out = new java.util.HashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        String list = ids.stream().map(UUID::toString).collect(java.util.stream.Collectors.joining(","));
        HttpRequest request = request("/checkpoints?ids=" + list).timeout(Duration.ofSeconds(10)).GET().build();
        try {
            HttpResponse<String> answer = send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
            if (answer.statusCode() == 200) {
                for (com.fasterxml.jackson.databind.JsonNode info : org.interplab.contracts.Json.MAPPER
                        .readTree(answer.body())) {
                    out.put(UUID.fromString(info.path("id").asText()), info);
                }
            }
        } catch (ApiException | IOException | IllegalArgumentException unavailable) {
            return out;
        }
        return out;
    }

    /** A request to the trainer carrying the lab's service credential (its internal API answers nobody else). */
    private HttpRequest.Builder request(String path) {
        return ServiceToken.on(HttpRequest.newBuilder(URI.create(config.trainer().url().replaceAll("/+$", "") + path)));
    }

    /** Passes the body through, refusing (with {@link #exceeded} set) once it grows past the limit. */
    private static final class Limited extends java.io.FilterInputStream {
        private final long limit;
        private long count;
        volatile boolean exceeded;

        Limited(InputStream in, long limit) {
            super(in);
            this.limit = limit;
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            count(b < 0 ? 0 : 1);
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            int n = super.read(buf, off, len);
            count(Math.max(n, 0));
            return n;
        }

        private void count(int n) throws IOException {
            count += n;
            if (count > limit) {
                exceeded = true;
                throw new IOException("upload larger than " + limit + " bytes");
            }
        }
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        String base = config.trainer().url();
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            Log.warnf("%s at %s is unreachable: %s", SERVICE, base, e.toString());
            throw new ApiException(503, SERVICE + " is unreachable at " + base, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for " + SERVICE, null, null);
        }
    }
}
