package org.interplab.dashboard.rest;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.RunStatus;
import org.interplab.contracts.events.Topics;
import org.interplab.contracts.events.TrainingProgress;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;

/** A browser following an experiment over SSE sees the trainer's progress events as the listener applies them. */
@QuarkusTest
class ExperimentEventsSseTest {

    @TestHTTPResource("/api/experiments")
    URI experiments;

    @Test
    void progressArrivesAsServerSentEvents() throws Exception {
        UUID id = UUID.fromString(given().contentType(ContentType.JSON).body("{\"preset\": \"xor\", \"seed\": 5}")
                .when().post("/api/experiments").then().statusCode(202).extract().path("id"));
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(experiments + "/" + id + "/events"))
                .header("Accept", "text/event-stream")
                .header("Authorization", org.interplab.dashboard.TestUsers.bearer("tester", "admin")).build();
        CompletableFuture<HttpResponse<Void>> stream = http.sendAsync(request,
                HttpResponse.BodyHandlers.fromLineSubscriber(new java.util.concurrent.Flow.Subscriber<String>() {
                    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    public void onNext(String line) {
                        lines.add(line);
                    }

                    public void onError(Throwable t) {
                    }

                    public void onComplete() {
                    }
                }));
        try {
            // the stream may subscribe a moment after the request: send until one event comes through
            String event = null;
            JsonNode data = null;
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            for (int step = 1; data == null && System.nanoTime() < deadline; step++) {
                KafkaTestClient.send(KafkaTestClient.topic(Topics.TRAINING_PROGRESS), id.toString(),
                        Json.write(new TrainingProgress(id, RunStatus.RUNNING, step, 600, Map.of("loss", 1.0 / step),
                                null, "cpu", Instant.now())));
                String line;
                while ((line = lines.poll(1, TimeUnit.SECONDS)) != null) {
                    if (line.startsWith("event:")) {
                        event = line.substring("event:".length()).trim();
                    } else if (line.startsWith("data:")) {
                        data = Json.MAPPER.readTree(line.substring("data:".length()).trim());
                        break;
                    }
                }
            }
            assertTrue(data != null, "no SSE event within 30 s");
            assertEquals("progress", event);
            assertEquals(id.toString(), data.get("experimentId").asText());
            assertEquals("RUNNING", data.get("status").asText());
            long step = data.get("step").asLong();
            assertEquals(1.0 / step, data.get("metrics").get("loss").asDouble(), 1e-12);
        } finally {
            stream.cancel(true);
        }
    }

    @Test
    void anUnknownExperimentHasNoStream() {
        given().accept("text/event-stream").when().get("/api/experiments/" + UUID.randomUUID() + "/events")
                .then().statusCode(404);
    }
}
