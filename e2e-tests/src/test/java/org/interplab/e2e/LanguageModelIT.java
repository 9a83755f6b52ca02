package org.interplab.e2e;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A language model end to end through the packaged stack: the built-in corpus is registered and tokenized by the
 * trainer at start, a small override of {@code tinystories-1l} trains on it through Kafka and PostgreSQL, its
 * validation loss falls below the unigram baseline, sample generations reach the run page's API, and the
 * checkpoint downloads as safetensors with the GPT-2 vocabulary.
 */
class LanguageModelIT {
    static final Duration TIMEOUT = Duration.ofMinutes(8);

    @BeforeAll
    static void configure() {
        Lab.useRestAssured();
    }

    @Test
    void aSmallLmTrainsBelowTheUnigramBaselineOnTheBuiltInCorpus() throws Exception {
        JsonNode corpus = Lab.await("builtin-stories READY", TIMEOUT, () -> {
            JsonNode c = Lab.getJson("/api/corpora/builtin-stories");
            assertFalse("FAILED".equals(c.path("status").asText()), "corpus failed: " + c);
            return "READY".equals(c.path("status").asText()) ? c : null;
        });
        assertTrue(corpus.path("stories").asLong() >= 20_000, corpus.toString());
        assertTrue(corpus.path("tokens").asLong() >= 2_000_000, corpus.toString());
        byte[] validation = given().get("/api/corpora/builtin-stories/splits/validation").then().statusCode(200)
                .extract().asByteArray();
        assertEquals(2 * corpus.path("validationTokens").asLong(), validation.length);

        String submission = "{\"preset\":\"tinystories-1l\",\"seed\":3,\"overrides\":{"
                + "\"model\":{\"nHeads\":2,\"dHead\":16,\"dModel\":32,\"nCtx\":32,\"dMlp\":128},"
                + "\"training\":{\"steps\":60,\"batchSize\":16,\"evalEvery\":20,\"lr\":0.01,\"warmupSteps\":10,"
                + "\"checkpoints\":\"every\",\"checkpointEvery\":30}}}";
        Response submitted = given().contentType(ContentType.JSON).body(submission).post("/api/experiments");
        assertEquals(202, submitted.statusCode(), submitted.asString());
        UUID id = UUID.fromString(submitted.jsonPath().getString("id"));
        long started = System.nanoTime();
        JsonNode experiment = Lab.await("LM " + id + " completed", TIMEOUT, () -> {
            JsonNode e = Lab.getJson("/api/experiments/" + id);
            assertFalse("FAILED".equals(e.path("status").asText()), "training failed: " + e);
            return "COMPLETED".equals(e.path("status").asText()) ? e : null;
        });
        System.out.printf("LanguageModelIT: 60 steps trained and stored in %.1f s%n",
                (System.nanoTime() - started) / 1e9);
        JsonNode metrics = experiment.path("lastMetrics");
        double val = metrics.path("val_loss").asDouble(Double.NaN);
        double unigram = metrics.path("unigram_val_loss").asDouble(Double.NaN);
        assertTrue(val < unigram, "val_loss " + val + " must fall below the unigram baseline " + unigram);
        assertTrue(metrics.path("tokens_per_s").asDouble() > 0, metrics.toString());

        JsonNode samples = Lab.getJson("/api/experiments/" + id + "/samples");
        assertTrue(samples.size() >= 2, "samples at each checkpoint: " + samples);
        assertTrue(samples.get(samples.size() - 1).path("samples").path("greedy").asText().startsWith("Once upon a time"),
                samples.toString());

        JsonNode last = null;
        for (JsonNode c : Lab.getJson("/api/experiments/" + id + "/checkpoints")) {
            if (c.path("finalCheckpoint").asBoolean()) {
                last = c;
            }
        }
        assertNotNull(last, "no final checkpoint");
        byte[] file = given().get("/api/checkpoints/" + last.path("checkpointId").asText() + "/safetensors").then()
                .statusCode(200).extract().asByteArray();
        long headerLength = ByteBuffer.wrap(file, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = Json.MAPPER.readTree(new String(file, 8, (int) headerLength, StandardCharsets.UTF_8));
        assertEquals("[50257,32]", header.path("embed.W_E").path("shape").toString());
        assertEquals("[32,50257]", header.path("unembed.W_U").path("shape").toString());
        assertTrue(header.path("__metadata__").path("sample_greedy").asText().startsWith("Once upon a time"));
    }
}
