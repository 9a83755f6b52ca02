package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;

/**
 * POST /checkpoints/import/hf with the GPT-Neo fixtures made by real PyTorch (interp-core's test resources, see
 * interp-core/src/test/python/make_gpt_neo_fixtures.py), against PostgreSQL and Kafka.
 */
@QuarkusTest
class HuggingFaceImportTest {
    /** The fixtures live with the reader's own tests; Maven runs this module's tests in trainer-service/. */
    static final Path FIXTURES = Path.of("..", "interp-core", "src", "test", "resources", "hf");
    static final Path HOSTILE_MARKER = Path.of("/tmp/interplab-hostile-pickle-ran");

    @Inject
    EntityManager em;

    static byte[] fixture(String name) throws IOException {
        return Files.readAllBytes(FIXTURES.resolve(name));
    }

    static RequestSpecification importRequest(String modelName, byte[] model, byte[] config) {
        RequestSpecification request = given();
        if (model != null) {
            request = request.multiPart("model", modelName, model, "application/octet-stream");
        }
        if (config != null) {
            request = request.multiPart("config", "config.json", config, "application/json");
        }
        return request;
    }

    long uploadedRows() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from checkpoint where source = 'uploaded'").getSingleResult()).longValue());
    }

    @Test
    void aPytorchBinIsConvertedStoredAnnouncedAndDownloadsWithTransformerLensNames() throws Exception {
        long before = uploadedRows();
        String id = importRequest("pytorch_model.bin", fixture("pytorch_model.bin"), fixture("config.json"))
                .multiPart("name", "tiny-gpt-neo")
                .post("/checkpoints/import/hf").then().statusCode(201)
                .body("source", equalTo("uploaded"))
                .body("name", equalTo("tiny-gpt-neo"))
                .body("published", equalTo(true))
                .body("tensors", hasItems("embed.W_E", "blocks.1.attn.W_Q", "blocks.1.mlp.W_out", "unembed.W_U"))
                .body("spec.model.attnTypes", equalTo(List.of("global", "local")))
                .body("spec.model.useAttnScale", equalTo(false))
                .extract().path("checkpointId");
        assertEquals(before + 1, uploadedRows());

        byte[] download = given().get("/checkpoints/" + id + "/safetensors").then().statusCode(200).extract()
                .asByteArray();
        SafetensorsFile file = Safetensors.read(download);
        assertEquals(List.of(2L, 16L, 8L), List.of(file.tensors().get("blocks.0.attn.W_Q").shape()[0],
                file.tensors().get("blocks.0.attn.W_Q").shape()[1], file.tensors().get("blocks.0.attn.W_Q").shape()[2]));
        assertFalse(file.tensors().keySet().stream().anyMatch(n -> n.contains("attention") || n.startsWith("h.")));
        assertEquals(file.tensors().get("embed.W_E").transpose(), file.tensors().get("unembed.W_U"), "tied lm_head");
        CheckpointMetadata metadata = CheckpointMetadata.fromMap(file.metadata());
        assertEquals("lm", metadata.spec().task().kind());
        assertEquals(4, metadata.spec().model().windowSize());
        assertEquals("huggingface-gpt-neo/pytorch", file.metadata().get("import"));

        List<String> events = KafkaTestClient.keyed("qt.checkpoints.published", id);
        assertEquals(1, events.size(), events.toString());
        CheckpointPublished event = Json.read(events.get(0), CheckpointPublished.class);
        assertEquals(UUID.fromString(id), event.checkpointId());
        assertEquals(List.of("global", "local"), event.spec().model().attnTypes());
    }

    @Test
    void aSafetensorsFileIsImportedToo() throws Exception {
        importRequest("model.safetensors", fixture("model.safetensors"), fixture("config.json"))
                .post("/checkpoints/import/hf").then().statusCode(201)
                .body("name", equalTo("model.safetensors"))
                .body("tensors.size()", equalTo(Safetensors.read(download(importRequest("pytorch_model.bin",
                        fixture("pytorch_model.bin"), fixture("config.json")))).tensors().size()));
    }

    private static byte[] download(RequestSpecification request) {
        String id = request.post("/checkpoints/import/hf").then().statusCode(201).extract().path("checkpointId");
        return given().get("/checkpoints/" + id + "/safetensors").then().statusCode(200).extract().asByteArray();
    }

    @Test
    void aHostilePickleIsA400NamingTheGlobalAndNothingRunsOrIsStored() throws Exception {
        Files.deleteIfExists(HOSTILE_MARKER);
        long before = uploadedRows();
        importRequest("pytorch_model.bin", fixture("hostile_system.bin"), fixture("config.json"))
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model"))
                .body("error", containsString("pickle global 'posix.system' is not allowed"));
        importRequest("pytorch_model.bin", fixture("hostile_eval.bin"), fixture("config.json"))
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model"))
                .body("error", containsString("builtins.eval"));
        assertFalse(Files.exists(HOSTILE_MARKER), "a payload ran");
        assertEquals(before, uploadedRows());
    }

    @Test
    void brokenFilesAndConfigsAre400sNamingTheDefectWithNothingStored() throws Exception {
        long before = uploadedRows();
        byte[] config = fixture("config.json");
        importRequest("pytorch_model.bin", fixture("broken_truncated_storage.bin"), config)
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model")).body("error", containsString("is truncated"));
        importRequest("pytorch_model.bin", fixture("broken_missing_storage.bin"), config)
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model")).body("error", containsString("is missing"));
        importRequest("pytorch_model.bin", fixture("broken_not_a_zip.bin"), config)
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model")).body("error", containsString("not a zip archive"));
        importRequest("model.safetensors", "not a model at all".getBytes(), config)
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model")).body("error", containsString("nor a valid safetensors file"));
        // a config that does not match the file: the missing tensor is named
        ObjectNode threeLayers = (ObjectNode) Json.MAPPER.readTree(config);
        threeLayers.put("num_layers", 3).remove("attention_types");
        threeLayers.putArray("attention_layers").add("global").add("local").add("global");
        importRequest("pytorch_model.bin", fixture("pytorch_model.bin"), Json.MAPPER.writeValueAsBytes(threeLayers))
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("model")).body("error", containsString("missing tensor 'transformer.h.2."));
        ObjectNode noWidth = (ObjectNode) Json.MAPPER.readTree(config);
        noWidth.remove("hidden_size");
        importRequest("pytorch_model.bin", fixture("pytorch_model.bin"), Json.MAPPER.writeValueAsBytes(noWidth))
                .post("/checkpoints/import/hf").then().statusCode(400)
                .body("field", equalTo("config")).body("error", containsString("hidden_size"));
        importRequest("pytorch_model.bin", fixture("pytorch_model.bin"), null)
                .post("/checkpoints/import/hf").then().statusCode(400).body("field", equalTo("config"));
        importRequest(null, null, config)
                .post("/checkpoints/import/hf").then().statusCode(400).body("field", equalTo("model"));
        assertEquals(before, uploadedRows());
    }
}
