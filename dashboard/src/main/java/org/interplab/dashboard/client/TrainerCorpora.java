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
 * The trainer's corpus API ({@code /corpora…}, I-5), passed through as streams: an upload goes on as it arrives
 * (multipart body and boundary unchanged, never a whole-body array), a split file comes back as a stream.
 */
@ApplicationScoped
public class TrainerCorpora {
    static final String SERVICE = "trainer-service";

    @Inject
    LabConfig config;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    /** GET {@code /corpora<path>}; the trainer's 2xx answer as a stream, a 4xx passed on, a 5xx a 502. */
    public HttpResponse<InputStream> get(String path) {
        return send(ServiceToken.on(HttpRequest.newBuilder(uri(path))).timeout(Duration.ofSeconds(60)).GET().build());
    }

    /** POST {@code /corpora} with the client's body and content type, streamed. */
    public HttpResponse<InputStream> post(String contentType, InputStream body) {
        return send(ServiceToken.on(HttpRequest.newBuilder(uri(""))).timeout(Duration.ofSeconds(600))
                .header("Content-Type", contentType == null ? "application/octet-stream" : contentType)
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> body)).build());
    }

    private URI uri(String path) {
        return URI.create(config.trainer().url().replaceAll("/+$", "") + "/corpora" + path);
    }

    private HttpResponse<InputStream> send(HttpRequest request) {
        HttpResponse<InputStream> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (IOException e) {
            Log.warnf("%s at %s is unreachable: %s", SERVICE, config.trainer().url(), e.toString());
            throw new ApiException(503, SERVICE + " is unreachable at " + config.trainer().url(), null, null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "interrupted while waiting for " + SERVICE, null, null);
        }
        if (response.statusCode() >= 400) {
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
            } catch (IOException e) {
                body = "";
            }
            throw Upstream.failure(SERVICE, response.statusCode(), body);
        }
        return response;
    }
}
