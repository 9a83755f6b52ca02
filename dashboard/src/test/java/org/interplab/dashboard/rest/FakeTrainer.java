package org.interplab.dashboard.rest;

import com.sun.net.httpserver.HttpServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.Presets;

/**
 * A stand-in for the trainer's POST /checkpoints that records what the dashboard forwarded: 400 naming "file" when
 * the body carries MALFORMED, 500 for BOOM, else 201 with what the trainer answers; and its POST
 * /experiments/{id}/cancel, recording the ids asked to stop (204).
 */
public class FakeTrainer implements QuarkusTestResourceLifecycleManager {
    static volatile byte[] lastBody;
    static volatile String lastContentType;
    static volatile String lastPath;
    static volatile UUID lastId;
    static final java.util.Set<UUID> cancelled = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private HttpServer server;

    @Override
    public Map<String, String> start() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.createContext("/checkpoints", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            lastBody = body;
            lastContentType = exchange.getRequestHeaders().getFirst("Content-Type");
            lastPath = exchange.getRequestURI().getPath();
            String text = new String(body, StandardCharsets.ISO_8859_1);
            int status;
            String answer;
            if (!"POST".equals(exchange.getRequestMethod())) {
                status = 405;
                answer = "{\"error\": \"method\"}";
            } else if (text.contains("MALFORMED")) {
                status = 400;
                answer = "{\"error\": \"not a valid safetensors file: header length 77 exceeds the file\", "
                        + "\"field\": \"file\"}";
            } else if (text.contains("BOOM")) {
                status = 500;
                answer = "{\"error\": \"disk full\"}";
            } else {
                lastId = UUID.randomUUID();
                status = 201;
                answer = Json.write(Map.of("checkpointId", lastId, "source", "uploaded", "name", "xor", "step", 0,
                        "metrics", Map.of("test_acc", 1.0), "tensors", java.util.List.of("embed.W_E", "unembed.W_U"),
                        "sizeBytes", body.length, "published", true, "spec", Presets.expand("xor", 1L, null)));
            }
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(status, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.createContext("/experiments", exchange -> {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            boolean cancel = "POST".equals(exchange.getRequestMethod()) && parts.length == 4
                    && "cancel".equals(parts[3]);
            if (cancel) {
                cancelled.add(UUID.fromString(parts[2]));
            }
            exchange.sendResponseHeaders(cancel ? 204 : 404, -1);
            exchange.close();
        });
        server.start();
        return Map.of("lab.trainer.url", "http://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override
    public void stop() {
        if (server != null) {
            server.stop(0);
        }
    }
}
