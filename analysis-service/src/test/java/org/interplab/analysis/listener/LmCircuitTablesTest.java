package org.interplab.analysis.listener;

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
import org.interplab.analysis.CheckpointEvents;
import org.interplab.analysis.TestTrainerCheckpoints;
import org.interplab.contracts.Json;
import org.interplab.contracts.events.CheckpointPublished;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.circuits.factored.FactoredMatrix;
import org.interplab.core.circuits.factored.LmCircuits;
import org.interplab.core.model.Transformer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A language-model checkpoint (task lm; a vocabulary too big for dense token × token tables) published on the real broker gets its per-head QK/OV
 * tables from the factors — stored and served like every other table, equal to an in-memory computation, none
 * failed (before, an LM checkpoint got no circuit tables at all).
 */
@QuarkusTest
class LmCircuitTablesTest {
    static final int VOCAB = 5000;

    static ExperimentSpec spec() {
        ExperimentSpec base = Presets.expand("tinystories-1l", 1L, null);
        // a 5000-token vocabulary keeps the test short (25·10⁶ cells per circuit, a dense table would be refused);
        // the GPT-2 vocabulary runs through the same path in the browser test (e2e-tests/browser/test/neuroscope)
        ModelSpec m = new ModelSpec("transformer", 1, 2, 4, 8, 16, VOCAB, VOCAB, 12,
                false, "LN", true, "gelu_new", null, null, null, null, null);
        return new ExperimentSpec("tiny-lm-circuits", base.task(), m, base.training(), 1L, List.of());
    }

    @Test
    void anLmCheckpointGetsItsFactoredQkAndOvTables() throws Exception {
        ExperimentSpec spec = spec();
        Map<String, INDArray> params = Transformer.init(Transformer.Config.of(spec.model()), 9);
        UUID checkpointId = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(checkpointId, Safetensors.write(params,
                CheckpointMetadata.of(spec, 5, Map.of(), "test").toMap()));
        // not the final checkpoint: no Neuroscope scan, only the analysis job
        CheckpointEvents.send(checkpointId.toString(), Json.write(new CheckpointPublished(checkpointId, UUID.randomUUID(), 5, false,
                Map.of(), spec, Instant.now())));
        JsonNode index = awaitAnalysis(checkpointId);
        assertEquals(0, index.get("tablesFailed").asInt(), index.toString());
        assertEquals(2 * 6, index.get("tablesOk").asInt(), "6 tables per head, 2 heads");

        LmCircuits circuits = new LmCircuits(params, spec);
        FactoredMatrix qk = circuits.qk(circuits.embedThroughLn(0), 0, 1);
        List<FactoredMatrix.Entry> expected = qk.top(LmCircuits.TOP_PAIRS);
        JsonNode top = table(checkpointId, "QK.L0H1.top");
        assertEquals(LmCircuits.TOP_PAIRS, top.get("rowLabels").size());
        for (int i = 0; i < expected.size(); i++) {
            JsonNode row = top.get("values").get(i);
            assertEquals(expected.get(i).value(), row.get(0).asDouble(), 1e-5);
            assertEquals(expected.get(i).row(), row.get(1).asInt());
            assertEquals(expected.get(i).col(), row.get(2).asInt());
        }
        assertEquals(expected.get(0).row() + " → " + expected.get(0).col(), top.get("rowLabels").get(0).asText(),
                "a vocabulary that is not GPT-2's is labelled by token id");
        JsonNode svd = table(checkpointId, "OV.L0H0.svd");
        double[] s = circuits.ov(circuits.embedThroughLn(0), 0, 0).singularValues();
        for (int i = 0; i < s.length; i++) {
            assertEquals(s[i], svd.get("values").get(i).get(0).asDouble(), 1e-5 * s[0]);
        }
        Response csv = given().queryParam("format", "csv").get("/analysis/" + checkpointId + "/tables/OV.L0H0.copying");
        assertEquals(200, csv.statusCode());
        assertTrue(csv.asString().contains("OV[t, t]"), csv.asString());
    }

    private JsonNode awaitAnalysis(UUID checkpointId) throws Exception {
        long deadline = System.currentTimeMillis() + 240_000;
        while (System.currentTimeMillis() < deadline) {
            Response r = given().get("/analysis/" + checkpointId);
            if (r.statusCode() == 200) {
                return Json.MAPPER.readTree(r.asString());
            }
            Thread.sleep(300);
        }
        throw new AssertionError("checkpoint " + checkpointId + " was never analysed");
    }

    private static JsonNode table(UUID checkpointId, String name) throws Exception {
        return Json.MAPPER.readTree(given().get("/analysis/" + checkpointId + "/tables/" + name).then().statusCode(200)
                .extract().asString());
    }
}
