package org.interplab.analysis.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.analysis.TestTrainerCheckpoints;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.model.Transformer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The prompt lab's internal API on a xor checkpoint served by the test trainer: the task's answer is the target,
 * a zero-ablated head's logit change is minus its direct logit attribution (1-layer attention-only model), and
 * every wrong field is a 400 JSON {error, field} naming it; an unknown checkpoint a 404 JSON.
 */
@QuarkusTest
class PromptLabResourceTest {
    static UUID xor;
    static UUID noBiases;

    @BeforeAll
    static void checkpoint() {
        ExperimentSpec spec = Presets.expand("xor", 1L, null);
        xor = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(xor, Safetensors.write(Transformer.init(Transformer.Config.of(spec.model()), 9),
                CheckpointMetadata.of(spec, 200, Map.of(), "test").toMap()));
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> weights =
                new java.util.LinkedHashMap<>(Transformer.init(Transformer.Config.of(spec.model()), 9));
        weights.keySet().removeIf(name -> name.contains(".b_") || name.equals("unembed.b_U"));
        noBiases = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(noBiases, Safetensors.write(weights,
                CheckpointMetadata.of(spec, 200, Map.of(), "test").toMap()));
    }

    @Test
    void anUploadWithoutBiasesRunsWithZeroBiases() {
        double withZeros = given().queryParam("input", "ADQ").get("/promptlab/" + xor).then().statusCode(200)
                .extract().jsonPath().getDouble("target.logit");
        JsonPath missing = given().queryParam("input", "ADQ").get("/promptlab/" + noBiases).then().statusCode(200)
                .extract().jsonPath();
        assertEquals(withZeros, missing.getDouble("target.logit"), 1e-6, "init's biases are zero, as absent ones");
        assertEquals(0.0, missing.getDouble("attributionConstant"), 0.0);
    }

    @Test
    void runsAnInputAndAblatesAHead() {
        JsonPath clean = given().queryParam("input", "BDQ").get("/promptlab/" + xor).then().statusCode(200)
                .body("model.task", equalTo("xor")).body("tokenLabels", equalTo(List.of("B", "D", "Q")))
                .body("position", equalTo(2)).body("targetLabel", equalTo("T"))
                .body("targetSource", equalTo("task answer")).body("patterns.size()", equalTo(2))
                .body("examples.size()", equalTo(4)).extract().jsonPath();
        List<Map<String, Object>> attribution = clean.getList("attribution");
        double h1 = attribution.stream().filter(a -> a.get("name").equals("L0H1"))
                .mapToDouble(a -> ((Number) a.get("value")).doubleValue()).findFirst().orElseThrow();
        double sum = attribution.stream().mapToDouble(a -> ((Number) a.get("value")).doubleValue()).sum();
        assertEquals(clean.getDouble("target.logit"), sum + clean.getDouble("attributionConstant"), 1e-4);

        JsonPath ablated = given().queryParam("tokens", "1,3,4").queryParam("ablate", "L0H1:zero")
                .get("/promptlab/" + xor).then().statusCode(200)
                .body("intervened.interventions[0].name", equalTo("L0H1")).extract().jsonPath();
        assertEquals(clean.getDouble("target.logit"), ablated.getDouble("target.logit"), 1e-6,
                "the ids 1,3,4 are the text BDQ");
        assertEquals(-h1, ablated.getDouble("intervened.deltaLogit"), 1e-4);

        given().queryParam("input", "BDQ").queryParam("ablate", "L0H0:patch").queryParam("patch", "BDQ")
                .get("/promptlab/" + xor).then().statusCode(200).body("intervened.deltaLogit", equalTo(0.0f));
        given().get("/promptlab/" + xor).then().statusCode(200).body("input", equalTo(clean.getList("examples").get(0)))
                .body("outputLabels", equalTo(List.of("T", "F")));
        given().queryParam("input", "ACQ").queryParam("ablate", "L0H0:mean")
                .get("/promptlab/" + xor).then().statusCode(200).body("intervened.meanReference", notNullValue());
    }

    private static void badRequest(String field, Map<String, String> query) {
        given().queryParams(query).get("/promptlab/" + xor).then().statusCode(400)
                .body("field", equalTo(field)).body("error", notNullValue());
    }

    @Test
    void wrongFieldsAreNamed() {
        badRequest("ablate", Map.of("input", "ACQ", "ablate", "L1H0:zero"));
        badRequest("ablate", Map.of("input", "ACQ", "ablate", "L0H2:zero"));
        badRequest("ablate", Map.of("input", "ACQ", "ablate", "L0H0:scramble"));
        badRequest("ablate", Map.of("input", "ACQ", "ablate", "head0"));
        badRequest("input", Map.of("input", "ACQAC"));
        badRequest("input", Map.of("input", "AXQ"));
        badRequest("input", Map.of("input", "ACQ", "tokens", "0,2,4"));
        badRequest("tokens", Map.of("tokens", "1,9,4"));
        badRequest("position", Map.of("input", "ACQ", "position", "3"));
        badRequest("position", Map.of("input", "ACQ", "position", "two"));
        badRequest("target", Map.of("input", "ACQ", "target", "2"));
        badRequest("top", Map.of("input", "ACQ", "top", "0"));
        badRequest("patch", Map.of("input", "ACQ", "ablate", "L0H0:patch"));
        badRequest("patch", Map.of("input", "ACQ", "ablate", "L0H0:patch", "patch", "AC"));
        badRequest("input", Map.of("input", "x".repeat(PromptLabResource.MAX_QUERY_CHARS + 1)));
    }

    @Test
    void anUnknownCheckpointIsA404AndABadIdA400() {
        given().queryParam("input", "ACQ").get("/promptlab/" + UUID.randomUUID()).then().statusCode(404)
                .body("error", notNullValue());
        given().queryParam("input", "ACQ").get("/promptlab/not-a-uuid").then().statusCode(400)
                .body("field", equalTo("checkpointId"));
    }
}
