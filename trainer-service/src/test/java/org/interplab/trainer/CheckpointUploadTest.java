package org.interplab.trainer;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFile;
import org.interplab.core.circuits.ReferenceModels;
import org.interplab.testkit.KafkaTestClient;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** POST /checkpoints: a real multipart request with a file made by Safetensors.write, against PG and Kafka. */
@QuarkusTest
class CheckpointUploadTest {
    @Inject
    EntityManager em;

    static Map<String, INDArray> xorWeights() {
        return new LinkedHashMap<>(ReferenceModels.xorConstruction().weights());
    }

    static String xorSpecJson() {
        return Json.write(ReferenceModels.xorConstruction().spec());
    }

    static RequestSpecification multipart(byte[] file, String specJson) {
        RequestSpecification request = given().multiPart("file", "model.safetensors", file, "application/octet-stream");
        return specJson == null ? request : request.multiPart("spec", specJson);
    }

    long uploadedRows() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from checkpoint where source = 'uploaded'").getSingleResult()).longValue());
    }

    @Test
    void theXorConstructionIsStoredEvaluatedAndAnnounced() throws Exception {
        long before = uploadedRows();
        Response response = multipart(Safetensors.write(xorWeights(), null), xorSpecJson()).post("/checkpoints");
        response.then().statusCode(201)
                .body("source", equalTo("uploaded"))
                .body("name", equalTo("xor-reference"))
                .body("step", equalTo(0))
                .body("published", equalTo(true))
                .body("tensors.size()", equalTo(12));
        JsonNode body = Json.MAPPER.readTree(response.asString());
        assertEquals(1.0, body.path("metrics").path("test_acc").asDouble(), 0, body.toString());
        UUID id = UUID.fromString(body.path("checkpointId").asText());
        assertEquals(before + 1, uploadedRows());

        // stored without an experiment, with the spec in the file's metadata so that the download is complete
        given().get("/checkpoints/" + id).then().statusCode(200)
                .body("source", equalTo("uploaded")).body("experimentId", nullValue()).body("isFinal", equalTo(true));
        byte[] download = given().get("/checkpoints/" + id + "/safetensors").then().statusCode(200).extract()
                .asByteArray();
        SafetensorsFile file = Safetensors.read(download);
        assertEquals(ReferenceModels.BIG, file.tensors().get("blocks.0.attn.W_K").getDouble(0, 1, 0), 0);
        CheckpointMetadata metadata = CheckpointMetadata.fromMap(file.metadata());
        assertEquals("xor", metadata.spec().task().kind());
        assertEquals(1.0, metadata.metrics().get("test_acc"), 0);

        // announced keyed by the checkpoint id, without an experiment
        List<String> events = KafkaTestClient.keyed("qt.checkpoints.published", id.toString());
        assertEquals(1, events.size(), events.toString());
        CheckpointPublished event = Json.read(events.get(0), CheckpointPublished.class);
        assertEquals(id, event.checkpointId());
        assertEquals(null, event.experimentId());
        assertTrue(event.finalCheckpoint());
        assertEquals(2, event.spec().model().nHeads());
    }

    @Test
    void aPresetNameOrTheFilesOwnMetadataCanStandForTheSpec() throws Exception {
        // the preset's xor model has the construction's shapes
        String id = multipart(Safetensors.write(xorWeights(), null), null).multiPart("preset", "xor")
                .post("/checkpoints").then().statusCode(201).body("name", equalTo("xor")).extract().path("checkpointId");
        byte[] download = given().get("/checkpoints/" + id + "/safetensors").then().statusCode(200).extract()
                .asByteArray();
        // re-uploading a downloaded checkpoint needs nothing but the file
        String again = multipart(download, null).post("/checkpoints").then().statusCode(201)
                .body("name", equalTo("xor")).extract().path("checkpointId");

        // both records in one call (the dashboard's models page asks for a page of sizes at once); unknown ids are
        // left out, a malformed one is a 400 naming ids
        long size = ((Number) given().get("/checkpoints/" + id).then().statusCode(200).extract().path("sizeBytes"))
                .longValue();
        given().queryParam("ids", id + "," + UUID.randomUUID() + "," + again).get("/checkpoints").then()
                .statusCode(200).body("size()", equalTo(2))
                .body("find { it.id == '" + id + "' }.sizeBytes", equalTo((int) size))
                .body("find { it.id == '" + again + "' }.sha256", notNullValue());
        given().queryParam("ids", id + ",nope").get("/checkpoints").then().statusCode(400)
                .body("field", equalTo("ids"));
    }

    @Test
    void aMalformedFileIsA400NamingTheFileAndNothingIsStored() {
        long before = uploadedRows();
        byte[] good = Safetensors.write(xorWeights(), null);
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 10);
        multipart(truncated, xorSpecJson()).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("file")).body("error", containsString("safetensors"));
        multipart("not a model at all".getBytes(), xorSpecJson()).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("file"));
        given().multiPart("spec", xorSpecJson()).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("file"));
        assertEquals(before, uploadedRows());
    }

    @Test
    void aTensorOfTheWrongShapeIsNamed() {
        long before = uploadedRows();
        Map<String, INDArray> weights = xorWeights();
        weights.put("blocks.0.attn.W_Q", Nd4j.zeros(DataType.FLOAT, 2, 16, 3));
        multipart(Safetensors.write(weights, null), xorSpecJson()).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("blocks.0.attn.W_Q"))
                .body("error", containsString("[2, 16, 3]"))
                .body("error", containsString("[2, 16, 4]"));
        Map<String, INDArray> missing = xorWeights();
        missing.remove("unembed.W_U");
        multipart(Safetensors.write(missing, null), xorSpecJson()).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("unembed.W_U")).body("error", containsString("missing"));
        // consistent file, inconsistent spec: three heads declared, two stored
        String threeHeads = xorSpecJson().replace("\"nHeads\":2", "\"nHeads\":3");
        multipart(Safetensors.write(xorWeights(), null), threeHeads).post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("blocks.0.attn.W_Q"));
        assertEquals(before, uploadedRows());
    }

    @Test
    void aBadSpecIsNamedByItsField() {
        long before = uploadedRows();
        byte[] file = Safetensors.write(xorWeights(), null);
        multipart(file, xorSpecJson().replace("\"nHeads\":2", "\"nHeads\":0")).post("/checkpoints").then()
                .statusCode(400).body("field", equalTo("spec.model.nHeads"));
        multipart(file, xorSpecJson().replace("\"nHeads\"", "\"nHedas\"")).post("/checkpoints").then()
                .statusCode(400).body("field", equalTo("spec.model.nHedas"));
        multipart(file, "{\"task\": ").post("/checkpoints").then().statusCode(400).body("field", equalTo("spec"));
        multipart(file, null).post("/checkpoints").then().statusCode(400).body("field", equalTo("spec"));
        multipart(file, null).multiPart("preset", "nope").post("/checkpoints").then().statusCode(400)
                .body("field", equalTo("preset"));
        assertEquals(before, uploadedRows());
    }

    @Test
    void aSpecWithoutTrainingIsEnoughForAnUpload() {
        ExperimentSpec s = ReferenceModels.xorConstruction().spec();
        String noTraining = Json.write(new ExperimentSpec("mine", s.task(), s.model(), null, null, null));
        multipart(Safetensors.write(xorWeights(), null), noTraining).post("/checkpoints").then().statusCode(201)
                .body("name", equalTo("mine")).body("metrics.test_acc", equalTo(1.0f));
    }
}
