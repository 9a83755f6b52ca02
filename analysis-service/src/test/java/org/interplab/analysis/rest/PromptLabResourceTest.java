package org.interplab.analysis.rest;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.analysis.TestTrainerCheckpoints;
import org.interplab.analysis.TestTrainerCorpora;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.checkpoint.CheckpointMetadata;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.model.Hooks;
import org.interplab.core.model.Transformer;
import org.interplab.core.neuroscope.Stories;
import org.nd4j.linalg.api.ndarray.INDArray;
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

    /**
     * A language model's mean ablation averages each head's hook_z at each position over the first tokens of the
     * model's corpus's validation stories that are long enough: the logit must equal patching the head with that mean,
     * computed here from the stories as written (not through the service's own reference code); an input longer than
     * every story is a 400 at ablate.
     */
    @Test
    void aLanguageModelMeanAblatesOverValidationStoryPrefixes() {
        ExperimentSpec base = Presets.expand("xor", 1L, null);
        ModelSpec m = new ModelSpec("transformer", 1, 2, 4, 8, 24, Stories.EOT + 1, Stories.EOT + 1, 12, false, "LN",
                true, "gelu_new", null, null, null, null, null);
        ExperimentSpec spec = new ExperimentSpec("tiny-lm", new TaskSpec("lm", null, null, null, null, null, null, null,
                null, null, "promptlab-corpus"), m, base.training(), 1L, List.of());
        Map<String, INDArray> params = Transformer.init(Transformer.Config.of(m), 5);
        UUID lm = UUID.randomUUID();
        TestTrainerCheckpoints.FILES.put(lm, Safetensors.write(params, CheckpointMetadata.of(spec, 10, Map.of(),
                "test").toMap()));
        // 40 stories of 2..9 tokens: the 5-token input is averaged over those with at least 5
        java.util.Random rng = new java.util.Random(11);
        List<int[]> longEnough = new java.util.ArrayList<>();
        java.io.ByteArrayOutputStream split = new java.io.ByteArrayOutputStream();
        for (int s = 0; s < 40; s++) {
            int[] story = new int[2 + rng.nextInt(8)];
            for (int t = 0; t < story.length; t++) {
                story[t] = 1 + rng.nextInt(3000);
                split.write(story[t] & 0xff);
                split.write(story[t] >>> 8);
            }
            split.write(Stories.EOT & 0xff);
            split.write(Stories.EOT >>> 8);
            if (story.length >= 5) {
                longEnough.add(java.util.Arrays.copyOf(story, 5));
            }
        }
        TestTrainerCorpora.VALIDATION.put("promptlab-corpus", split.toByteArray());

        JsonPath mean = given().queryParam("tokens", "10,20,30,40,50").queryParam("position", "4")
                .queryParam("target", "7").queryParam("ablate", "L0H1:mean").get("/promptlab/" + lm).then()
                .statusCode(200).extract().jsonPath();
        assertTrue(mean.getString("intervened.meanReference").contains(longEnough.size() + " validation stories"),
                mean.getString("intervened.meanReference"));

        Transformer model = new Transformer(Transformer.Config.of(m), params);
        INDArray z = model.runWithCache(longEnough.toArray(new int[0][]), n -> n.equals("blocks.0.attn.hook_z"))
                .get("blocks.0.attn.hook_z");
        INDArray meanZ = z.mean(true, 0);
        INDArray logits = model.run(new int[][] {{10, 20, 30, 40, 50}},
                Map.of("blocks.0.attn.hook_z", Hooks.patchHead(1, meanZ)));
        assertEquals(logits.getDouble(0, 4, 7), mean.getDouble("intervened.target.logit"), 1e-4);
        assertTrue(Math.abs(mean.getDouble("intervened.deltaLogit")) > 1e-6, "the ablation changes the logit");

        given().queryParam("tokens", "1,2,3,4,5,6,7,8,9,10,11").queryParam("ablate", "L0H0:mean")
                .get("/promptlab/" + lm).then().statusCode(400).body("field", equalTo("ablate"));
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
        // ≈ 18 KB of request line once percent-encoded: a JSON 400 naming the field, not the HTTP server's 414
        badRequest("input", Map.of("input", "\u00e9\u20ac".repeat(PromptLabResource.MAX_QUERY_CHARS / 2 + 1)));
        given().queryParam("input", "\u20ac".repeat(PromptLabResource.MAX_QUERY_CHARS)).get("/promptlab/" + xor).then()
                .statusCode(400).body("field", equalTo("input"));
    }

    @Test
    void anUnknownCheckpointIsA404AndABadIdA400() {
        given().queryParam("input", "ACQ").get("/promptlab/" + UUID.randomUUID()).then().statusCode(404)
                .body("error", notNullValue());
        given().queryParam("input", "ACQ").get("/promptlab/not-a-uuid").then().statusCode(400)
                .body("field", equalTo("checkpointId"));
    }
}
