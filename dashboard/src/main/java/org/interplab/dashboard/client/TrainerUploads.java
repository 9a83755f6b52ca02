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
import org.interplab.dashboard.config.LabConfig;
import org.interplab.dashboard.rest.ApiException;

/**
 * Forwards an upload to the trainer's {@code POST /checkpoints} byte for byte (the multipart body with its
 * boundary), so that the trainer, which owns checkpoints, sees exactly what the client sent.
 */
@ApplicationScoped
public class TrainerUploads {
    static final String SERVICE = "trainer-service";

    @Inject
    LabConfig config;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** The trainer's 2xx answer body (JSON); a 4xx is passed on as the dashboard's error, a 5xx is a 502. */
    public String upload(byte[] multipartBody, String contentType) {
        return send("/checkpoints", HttpRequest.BodyPublishers.ofByteArray(multipartBody), contentType);
    }

    /**
     * Forwards a Hugging Face GPT-Neo import (multipart model + config) to the trainer's
     * {@code POST /checkpoints/import/hf}, streaming the body as it arrives; answers as {@link #upload}.
     */
    public String importHuggingFace(InputStream multipartBody, String contentType) {
        return send("/checkpoints/import/hf", HttpRequest.BodyPublishers.ofInputStream(() -> multipartBody),
                contentType);
    }

    private String send(String path, HttpRequest.BodyPublisher body, String contentType) {
        String base = config.trainer().url();
        HttpRequest request = HttpRequest.newBuilder(URI.create(base.replaceAll("/+$", "") + path))
                .timeout(Duration.ofSeconds(300))
                .header("Content-Type", contentType)
                .header("Accept", "application/json")
                .POST(body)
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
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
