package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.interplab.contracts.Json;
import org.interplab.contracts.checkpoints.ReferenceCheckpoints;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.testkit.KafkaTestClient;
import org.interplab.trainer.service.CheckpointStore;
import org.interplab.trainer.service.ReferenceCheckpointRegistry;
import org.junit.jupiter.api.Test;

/** The seeds' constructions are registered at start-up, once, evaluated, and announced. */
@QuarkusTest
class ReferenceCheckpointTest {
    @Inject
    ReferenceCheckpointRegistry registry;
    @Inject
    CheckpointStore store;

    @Test
    void theConstructionsAreCheckpointsWithDeterministicIdsAndTheirAccuracies() throws Exception {
        registry.startupRegistration().get(60, TimeUnit.SECONDS);
        UUID xor = ReferenceCheckpoints.id(ReferenceCheckpoints.XOR);
        assertEquals(xor, UUID.nameUUIDFromBytes("interplab/reference-checkpoint/xor-reference".getBytes()));
        CheckpointMetadata xorMeta = store.metadata(xor).orElseThrow();
        assertEquals(1.0, xorMeta.metrics().get("test_acc"), 0, "seed 003's construction solves XOR");
        // logits (1, 0) for the right answer: loss = log(1 + e^-1)
        assertEquals(Math.log(1 + Math.exp(-1)), xorMeta.metrics().get("test_loss"), 1e-5);
        assertEquals(List.of(), SpecValidator.validate(xorMeta.spec()), "a complete spec");
        CheckpointMetadata ov = store.metadata(ReferenceCheckpoints.id(ReferenceCheckpoints.OV_COHERENT_ONE_HEAD))
                .orElseThrow();
        assertEquals(1.0, ov.metrics().get("test_acc"), 0, "seed 000's one-head EVOU solves the task");
        assertEquals(1, ov.spec().model().nHeads());

        // the file is the construction itself
        SafetensorsFile file = Safetensors.read(
                QuarkusTransaction.requiringNew().call(() -> store.weights(xor).orElseThrow()));
        assertEquals(-10000.0, file.tensors().get("blocks.0.attn.W_K").getDouble(0, 0, 0), 0);
        assertEquals(10000.0, file.tensors().get("blocks.0.attn.W_K").getDouble(1, 0, 0), 0);

        // idempotent: registering again (a restart, another replica) inserts nothing
        assertEquals(0, registry.registerAll());

        JsonNode listed = Json.MAPPER.readTree(given().queryParam("source", "reference").get("/checkpoints").then()
                .statusCode(200).extract().asString());
        assertEquals(2, listed.size(), listed.toString());
        for (JsonNode c : listed) {
            assertTrue(c.path("experimentId").isNull() || c.path("experimentId").isMissingNode());
            assertEquals("reference", c.path("source").asText());
        }
        given().queryParam("source", "bogus").get("/checkpoints").then().statusCode(400);

        // announced once, keyed by the checkpoint id (possibly by an earlier run on this test database)
        List<String> events = KafkaTestClient.keyed("qt.checkpoints.published", xor.toString());
        assertFalse(events.isEmpty(), "the xor reference was announced");
        CheckpointPublished event = Json.read(events.get(0), CheckpointPublished.class);
        assertEquals(null, event.experimentId());
        assertEquals(1.0, event.metrics().get("test_acc"), 0);
        assertEquals("xor-reference", event.spec().name());
    }
}
