package org.interplab.dashboard.client;

import io.quarkus.logging.Log;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.rest.ApiException;

/**
 * Forwards an upload to the trainer's {@code POST /checkpoints} byte for byte (the multipart body with its
 * boundary), so that the trainer, which owns checkpoints, sees exactly what the client sent. The body is streamed to
 * a temporary file first (at most {@code lab.limits.upload-bytes}), never held in memory.
 */
@ApplicationScoped
public class TrainerUploads {
    static final String SERVICE = "trainer-service";

    @Inject
    LabConfig config;

    @ConfigProperty(name = "lab.limits.upload-bytes", defaultValue = "536870912")
    long maxUpload;

    @ConfigProperty(name = "lab.service-token")
    java.util.Optional<String> serviceToken;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** The trainer's 2xx answer body (JSON); a 4xx is passed on as the dashboard's error, a 5xx is a 502. */
    public String upload(InputStream multipartBody, String contentType) {
        Path file = null;
        try {
            file = Files.createTempFile("lab-upload-", ".multipart");
            long size = copy(multipartBody, file);
            if (size == 0) {
                throw ApiException.badRequest("the request has no body; send multipart/form-data with part 'file'",
                        "file");
            }
            return forward(file, contentType);
        } catch (IOException e) {
            throw new ApiException(400, "the upload could not be read: " + e.getMessage(), "file", null);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException e) {
                    Log.warnf("could not delete %s: %s", file, e);
                }
            }
        }
    }

    private long copy(InputStream in, Path file) throws IOException {
        long size = 0;
        byte[] buffer = new byte[64 * 1024];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int n; in != null && (n = in.read(buffer)) > 0; ) {
                size += n;
                if (size > maxUpload) {
                    throw new ApiException(413, "the upload exceeds " + maxUpload + " bytes (lab.limits.upload-bytes)",
                            "file", null);
                }
                out.write(buffer, 0, n);
            }
        }
        return size;
    }

    private String forward(Path file, String contentType) throws IOException {
        String base = config.trainer().url();
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + "/checkpoints"))
                .timeout(Duration.ofSeconds(300))
                .header("Content-Type", contentType)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofFile(file));
        serviceToken.filter(t -> !t.isBlank()).ifPresent(t -> request.header(ServiceToken.HEADER, t));
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            Log.warnf("%s at %s is unreachable: %s", SERVICE, base, e.toString());
            throw new ApiException(503, SERVICE + " is unreachable at " + base, null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for " + SERVICE, null, null);
        }
        if (response.statusCode() >= 400) {
            throw Upstream.failure(SERVICE, response.statusCode(), response.body());
        }
        return response.body();
    }
}
