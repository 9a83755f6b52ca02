package org.interplab.contracts.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.interplab.contracts.Json;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The battery of hostile and careless values: each is refused, and the error names the field that was wrong. */
class SpecValidatorTest {

    static Stream<Arguments> badValues() {
        return Stream.of(
                // preset, overrides (JSON), the field the first error must name
                Arguments.of("addition", "{\"task\":{\"nTest\":-5}}", "task.nTest"),
                Arguments.of("addition", "{\"task\":{\"nTrain\":0}}", "task.nTrain"),
                Arguments.of("addition", "{\"task\":{\"nTrain\":2000000000}}", "task.nTrain"),
                Arguments.of("addition", "{\"task\":{\"nDigits\":2,\"nTrain\":9000,\"nTest\":1000}}", "task.nTrain"),
                Arguments.of("addition", "{\"task\":{\"nDigits\":0}}", "task.nDigits"),
                Arguments.of("addition", "{\"task\":{\"nDigits\":40}}", "task.nDigits"),
                Arguments.of("ov-coherent", "{\"task\":{\"seqLen\":1}}", "task.seqLen"),
                Arguments.of("ov-coherent", "{\"task\":{\"seqLen\":100000}}", "task.seqLen"),
                Arguments.of("xor", "{\"training\":{\"lr\":\"NaN\"}}", "training.lr"),
                Arguments.of("xor", "{\"training\":{\"lr\":\"Infinity\"}}", "training.lr"),
                Arguments.of("xor", "{\"training\":{\"lr\":1e309}}", "training.lr"),
                Arguments.of("xor", "{\"training\":{\"lr\":-1}}", "training.lr"),
                Arguments.of("xor", "{\"training\":{\"beta1\":\"NaN\"}}", "training.beta1"),
                Arguments.of("xor", "{\"training\":{\"beta2\":1}}", "training.beta2"),
                Arguments.of("xor", "{\"training\":{\"weightDecay\":\"Infinity\"}}", "training.weightDecay"),
                Arguments.of("xor", "{\"training\":{\"weightDecay\":-0.1}}", "training.weightDecay"),
                Arguments.of("xor", "{\"training\":{\"steps\":0}}", "training.steps"),
                Arguments.of("xor", "{\"training\":{\"steps\":2147483647}}", "training.steps"),
                Arguments.of("xor", "{\"training\":{\"batchSize\":100000000}}", "training.batchSize"),
                Arguments.of("xor", "{\"training\":{\"warmupSteps\":-1}}", "training.warmupSteps"),
                Arguments.of("xor", "{\"training\":{\"checkpoints\":\"every\",\"checkpointEvery\":0}}",
                        "training.checkpointEvery"),
                Arguments.of("tms-intro", "{\"model\":{\"nInstances\":2147483647}}", "model.nInstances"),
                Arguments.of("tms-intro", "{\"model\":{\"nHidden\":2147483647}}", "model.nHidden"),
                Arguments.of("tms-intro", "{\"task\":{\"nFeatures\":2147483647}}", "task.nFeatures"),
                Arguments.of("tms-intro", "{\"model\":{\"dropout\":\"NaN\"}}", "model.dropout"),
                Arguments.of("tms-intro", "{\"model\":{\"l1\":\"Infinity\"}}", "model.l1"),
                Arguments.of("tms-intro", "{\"task\":{\"featureProbability\":\"NaN\"}}", "task.featureProbability"),
                Arguments.of("tms-intro", "{\"task\":{\"importanceDecay\":1e309}}", "task.importanceDecay"),
                Arguments.of("addition", "{\"model\":{\"nHeads\":2147483647}}", "model.nHeads"),
                Arguments.of("addition", "{\"model\":{\"dModel\":2147483647}}", "model.dModel"),
                Arguments.of("addition", "{\"model\":{\"nLayers\":2147483647}}", "model.nLayers"),
                Arguments.of("addition", "{\"model\":{\"dHead\":0}}", "model.dHead"),
                Arguments.of("xor", "{\"model\":{\"lnEps\":\"Infinity\"}}", "model.lnEps"),
                Arguments.of("xor", "{\"model\":{\"attnTypes\":[\"sideways\"]}}", "model.attnTypes[0]"));
    }

    @ParameterizedTest(name = "{0} {1} → {2}")
    @MethodSource("badValues")
    void refusedNamingTheField(String preset, String overrides, String field) throws Exception {
        JsonNode o = Json.MAPPER.readTree(overrides);
        ObjectNode tree = Presets.expandTree(preset, 1L, o);
        ExperimentSpec spec = Json.MAPPER.treeToValue(tree, ExperimentSpec.class);
        List<FieldError> errors = SpecValidator.validate(spec);
        assertTrue(errors.stream().anyMatch(e -> e.field().equals(field)),
                () -> "expected an error at " + field + ", got " + errors);
    }

    @ParameterizedTest
    @MethodSource("badValues")
    void thePresetItselfIsValid(String preset, String ignored, String ignoredToo) {
        assertEquals(List.of(), SpecValidator.validate(Presets.expand(preset, 1L, null)));
    }

    @org.junit.jupiter.api.Test
    void aFractionalStepCountIsAnErrorNotTruncated() {
        ObjectNode tree = Presets.expandTree("xor", 1L, null);
        ((ObjectNode) tree.get("training")).put("steps", 1.5);
        assertThrows(Exception.class, () -> Json.MAPPER.treeToValue(tree, ExperimentSpec.class));
        ((ObjectNode) tree.get("training")).put("steps", 2);
        assertEquals(2, Json.MAPPER.convertValue(tree, ExperimentSpec.class).training().steps());
    }
}
