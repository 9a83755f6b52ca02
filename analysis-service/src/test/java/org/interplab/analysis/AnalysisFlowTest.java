package org.interplab.analysis;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.circuits.ReferenceModels;
import org.interplab.core.circuits.ReferenceModels.ReferenceModel;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The analysis service against a real Kafka broker and PostgreSQL: seed 003's hand-built XOR construction goes in
 * as a checkpoint; its tables must come back through the API equal to the seed's closed-form tables.
 */
@QuarkusTest
class AnalysisFlowTest {
    static final List<String> TOKENS = List.of("A", "B", "C", "D", "Q");

    @Test
    void theXorConstructionsTablesComeBackInClosedForm() throws Exception {
        UUID checkpointId = publishXorConstruction();
        awaitAnalysis(checkpointId);

        // seed 003: head 0 from Q scores A −10000, B +10000, C 0, D 0, Q −10000; head 1 swaps A and B
        double[][] expected = {{-10000, 10000, 0, 0, -10000}, {10000, -10000, 0, 0, -10000}};
        for (int head = 0; head < 2; head++) {
            JsonNode scores = table(checkpointId, "scores_readoff.L0H" + head);
            assertEquals(TOKENS.toString().replace(" ", ""), scores.get("rowLabels").toString().replace("\"", ""));
            for (int token = 0; token < 5; token++) {
                for (JsonNode score : scores.get("values").get(token)) {
                    assertEquals(expected[head][token], score.asDouble(), 1e-3 * 10000,
                            "L0H" + head + " score of " + TOKENS.get(token));
                }
            }
        }
        // OV: head 0 writes T for C and F for D; head 1 the reverse; A, B, Q write nothing
        JsonNode evou0 = table(checkpointId, "EVOU.L0H0").get("values");
        JsonNode evou1 = table(checkpointId, "EVOU.L0H1").get("values");
        assertTrue(evou0.get(2).get(0).asDouble() > evou0.get(2).get(1).asDouble(), "L0H0: C → T");
        assertTrue(evou0.get(3).get(1).asDouble() > evou0.get(3).get(0).asDouble(), "L0H0: D → F");
        assertTrue(evou1.get(2).get(1).asDouble() > evou1.get(2).get(0).asDouble(), "L0H1: C → F");
        assertTrue(evou1.get(3).get(0).asDouble() > evou1.get(3).get(1).asDouble(), "L0H1: D → T");
        for (int token : new int[] {0, 1, 4}) {
            for (JsonNode v : evou0.get(token)) {
                assertEquals(0.0, v.asDouble(), 1e-6);
            }
        }
        String csv = given().queryParam("format", "csv")
                .get("/analysis/" + checkpointId + "/tables/EVOU.L0H0").then().statusCode(200).extract().asString();
        assertTrue(csv.startsWith("input token \\ output token,T,F") || csv.split("\n")[0].endsWith(",T,F"), csv);
        assertEquals(6, csv.strip().split("\n").length);
    }

    @Test
    void aReplayChangesNothingAndAPoisonEventDoesNotStopTheConsumer() throws Exception {
        UUID first = publishXorConstruction();
        JsonNode before = awaitAnalysis(first);
        String completedBefore = before.toString();

        CheckpointEvents.send(first.toString(), "this is not JSON"); // goes to the dead-letter topic
        CheckpointPublished replay = event(first);
        CheckpointEvents.send(first.toString(), Json.write(replay));
        UUID second = publishXorConstruction(); // the consumer is still alive after the poison event
        awaitAnalysis(second);
        assertEquals(completedBefore, given().get("/analysis/" + first).then().statusCode(200).extract().asString());

        Response unknown = given().get("/analysis/" + UUID.randomUUID());
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.jsonPath().getString("error").contains("no analysis"));
        Response badFormat = given().queryParam("format", "xml").get("/analysis/" + first + "/tables/EVOU.L0H0");
        assertEquals(400, badFormat.statusCode());
        assertEquals("format", badFormat.jsonPath().getString("field"));
    }

    @Test
    void aTmsRunsSuperpositionIsTrackedOverItsCheckpoints() throws Exception {
        // 5 features in 2 hidden dimensions, one instance: first two orthogonal features (‖W‖_F²/m = 2/2 = 1),
        // then the pentagon (5/2 = 2.5: features share dimensions)
        ExperimentSpec spec = Presets.expand("tms-intro", 1L, Json.MAPPER.readTree(
                "{\"model\":{\"nInstances\":1},\"task\":{\"featureProbabilities\":[0.05]}}"));
        float[] orthogonal = {1, 0, 0, 1, 0, 0, 0, 0, 0, 0};
        float[] pentagon = new float[10];
        for (int i = 0; i < 5; i++) {
            pentagon[2 * i] = (float) Math.cos(2 * Math.PI * i / 5);
            pentagon[2 * i + 1] = (float) Math.sin(2 * Math.PI * i / 5);
        }
        UUID experiment = UUID.randomUUID();
        UUID early = publishTms(experiment, 10, orthogonal, spec);
        awaitAnalysis(early);
        UUID late = publishTms(experiment, 20, pentagon, spec);
        awaitAnalysis(late);
        JsonNode curve = table(late, "superposition_over_steps");
        assertEquals("[\"10\",\"20\"]", curve.get("rowLabels").toString());
        assertEquals(1.0, curve.get("values").get(0).get(0).asDouble(), 1e-5);
        assertEquals(2.5, curve.get("values").get(1).get(0).asDouble(), 1e-5);
        // the neurons: orthogonal features give each neuron one feature; the pentagon gives each 10/3
        // (shares cos²/Σcos²: Σcos² = 5/2, Σcos⁴ = 15/8, so 1/Σs² = (5/2)²/(15/8))
        JsonNode neurons = table(late, "polysemanticity_over_steps");
        assertEquals("[\"10\",\"20\"]", neurons.get("rowLabels").toString());
        assertEquals("[\"I0 n0\",\"I0 n1\"]", neurons.get("colLabels").toString());
        assertEquals(1.0, neurons.get("values").get(0).get(1).asDouble(), 1e-5);
        assertEquals(10.0 / 3, neurons.get("values").get(1).get(0).asDouble(), 1e-5);
        assertEquals(10.0 / 3, neurons.get("values").get(1).get(1).asDouble(), 1e-5);
    }

    private UUID publishTms(UUID experiment, long step, float[] w, ExperimentSpec spec) throws Exception {
        UUID checkpointId = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(checkpointId,
                Safetensors.write(Map.of("W", Nd4j.create(w, new long[] {1, 5, 2}, DataType.FLOAT)), Map.of()));
        CheckpointEvents.send(experiment.toString(), Json.write(new CheckpointPublished(checkpointId, experiment, step, false,
                Map.of(), spec, Instant.now())));
        return checkpointId;
    }

    private UUID publishXorConstruction() throws Exception {
        ReferenceModel reference = ReferenceModels.xorConstruction();
        UUID checkpointId = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(checkpointId, Safetensors.write(reference.weights(), Map.of()));
        CheckpointEvents.send(checkpointId.toString(), Json.write(event(checkpointId)));
        return checkpointId;
    }

    private static CheckpointPublished event(UUID checkpointId) {
        return new CheckpointPublished(checkpointId, null, 0, true, Map.of(),
                ReferenceModels.xorConstruction().spec(), Instant.now());
    }

    private JsonNode awaitAnalysis(UUID checkpointId) throws Exception {
        // the qt. topic also carries the trainer tests' checkpoints, queued ahead of this one
        long deadline = System.currentTimeMillis() + 180_000;
        while (System.currentTimeMillis() < deadline) {
            Response r = given().get("/analysis/" + checkpointId);
            if (r.statusCode() == 200) {
                JsonNode index = Json.MAPPER.readTree(r.asString());
                assertEquals(0, index.get("tablesFailed").asInt(), index.toString());
                return index;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("checkpoint " + checkpointId + " was never analysed");
    }

    private static JsonNode table(UUID checkpointId, String name) throws Exception {
        String body = given().get("/analysis/" + checkpointId + "/tables/" + name).then().statusCode(200).extract()
                .asString();
        return Json.MAPPER.readTree(body);
    }
}
