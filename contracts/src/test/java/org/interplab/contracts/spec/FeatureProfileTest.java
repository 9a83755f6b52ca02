package org.interplab.contracts.spec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.stream.Stream;
import org.interplab.contracts.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Per-feature importance and feature probability of a TMS task (the TMS paper's non-uniform setups): the JSON forms,
 * their values against closed forms, and every bad value refused naming its field.
 */
class FeatureProfileTest {

    static ExperimentSpec tms(String taskOverrides) throws Exception {
        ObjectNode tree = Presets.expandTree("tms-intro", 1L, Json.MAPPER.readTree("{\"task\":" + taskOverrides
                + "}"));
        return Json.MAPPER.treeToValue(tree, ExperimentSpec.class);
    }

    static List<String> fields(ExperimentSpec spec) {
        return SpecValidator.validate(spec).stream().map(FieldError::field).toList();
    }

    @Test
    void theThreeFormsResolveToTheirClosedForms() throws Exception {
        FeatureProfile list = Json.MAPPER.readValue("[1, 0.5, 0.25]", FeatureProfile.class);
        assertArrayEquals(new double[] {1, 0.5, 0.25}, list.resolve(3), 0);
        FeatureProfile decay = Json.MAPPER.readValue("{\"decay\": 0.9}", FeatureProfile.class);
        assertArrayEquals(new double[] {1, 0.9, 0.81, 0.729}, decay.resolve(4), 1e-15);
        FeatureProfile started = Json.MAPPER.readValue("{\"decay\": 0.5, \"start\": 0.8}", FeatureProfile.class);
        assertArrayEquals(new double[] {0.8, 0.4, 0.2}, started.resolve(3), 1e-15);
        FeatureProfile linear = Json.MAPPER.readValue("{\"from\": 1, \"to\": 0}", FeatureProfile.class);
        assertArrayEquals(new double[] {1, 0.75, 0.5, 0.25, 0}, linear.resolve(5), 1e-15);
        FeatureProfile log = Json.MAPPER.readValue("{\"from\": 1, \"to\": 0.001, \"spacing\": \"log\"}",
                FeatureProfile.class);
        assertArrayEquals(new double[] {1, 0.1, 0.01, 0.001}, log.resolve(4), 1e-15);
        assertArrayEquals(new double[] {1}, log.resolve(1), 0);
    }

    @Test
    void aSpecWithProfilesRoundTripsThroughJson() throws Exception {
        ExperimentSpec spec = tms("{\"importanceDecay\": null, \"importance\": {\"decay\": 0.7},"
                + " \"featureProbabilities\": null, \"featureProbabilityPerFeature\": [0.5, 0.4, 0.3, 0.2, 0.1]}");
        assertEquals(List.of(), SpecValidator.validate(spec));
        String json = Json.write(spec);
        assertTrue(json.contains("\"importance\":{\"decay\":0.7}"), json);
        assertTrue(json.contains("\"featureProbabilityPerFeature\":[0.5,0.4,0.3,0.2,0.1]"), json);
        ExperimentSpec back = Json.read(json, ExperimentSpec.class);
        assertEquals(spec, back);
        assertArrayEquals(new double[] {1, 0.7, 0.49, 0.343, 0.2401}, back.task().importanceOf(5), 1e-15);
        double[][] p = back.task().featureProbabilityMatrix(10, 5, 1.0);
        assertEquals(10, p.length);
        for (double[] instance : p) {
            assertArrayEquals(new double[] {0.5, 0.4, 0.3, 0.2, 0.1}, instance, 0);
        }
    }

    @Test
    void withoutProfilesTheOldFieldsDecideAsBefore() throws Exception {
        TaskSpec task = tms("{}").task(); // tms-intro: importanceDecay 0.9, p per instance
        assertArrayEquals(new double[] {1, 0.9, 0.81, 0.729, 0.6561}, task.importanceOf(5), 1e-15);
        double[][] p = task.featureProbabilityMatrix(10, 5, 1.0);
        for (int i = 0; i < 10; i++) {
            for (double q : p[i]) {
                assertEquals(task.featureProbabilities().get(i), q, 0);
            }
        }
        assertArrayEquals(new double[] {1, 1, 1}, TaskSpec.of("tms").importanceOf(3), 0);
    }

    static Stream<Arguments> badProfiles() {
        return Stream.of(
                // task overrides on tms-intro (5 features), the field the error must name
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,0.5]}", "task.importance"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,0.5,0.2,0.1,0.05,0.01]}", "task.importance"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,0.5,\"NaN\",0.1,0.05]}", "task.importance[2]"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,0.5,1e309,0.1,0.05]}", "task.importance[2]"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,-0.5,0.2,0.1,0.05]}", "task.importance[1]"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":[1,null,0.2,0.1,0.05]}", "task.importance[1]"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"decay\":-0.5}}", "task.importance.decay"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"decay\":\"Infinity\"}}",
                        "task.importance.decay"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"decay\":1e300}}", "task.importance.decay"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"decay\":0.9,\"from\":1,\"to\":0}}",
                        "task.importance"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{}}", "task.importance"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"from\":1}}", "task.importance.to"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"from\":1,\"to\":0,\"spacing\":\"log\"}}",
                        "task.importance.to"),
                Arguments.of("{\"importanceDecay\":null,\"importance\":{\"from\":1,\"to\":0,\"spacing\":\"cubic\"}}",
                        "task.importance.spacing"),
                Arguments.of("{\"importance\":[1,0.5,0.2,0.1,0.05]}", "task.importance"), // beside importanceDecay
                Arguments.of("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":[1,0.5]}",
                        "task.featureProbabilityPerFeature"),
                Arguments.of("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":[1,0.5,0,0.1,0.1]}",
                        "task.featureProbabilityPerFeature[2]"),
                Arguments.of("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":[1,1.5,0.1,0.1,0.1]}",
                        "task.featureProbabilityPerFeature[1]"),
                Arguments.of("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":{\"decay\":2}}",
                        "task.featureProbabilityPerFeature.decay"),
                Arguments.of("{\"featureProbabilities\":null,\"featureProbabilityPerFeature\":{\"from\":0,\"to\":1}}",
                        "task.featureProbabilityPerFeature.from"),
                Arguments.of("{\"featureProbabilityPerFeature\":[1,0.5,0.2,0.1,0.05]}",
                        "task.featureProbabilityPerFeature")); // beside featureProbabilities
    }

    @ParameterizedTest(name = "{0} → {1}")
    @MethodSource("badProfiles")
    void refusedNamingTheField(String taskOverrides, String field) throws Exception {
        List<String> fields = fields(tms(taskOverrides));
        assertTrue(fields.contains(field), () -> "expected an error at " + field + ", got " + fields);
    }

    @Test
    void profilesApplyToTmsOnly() throws Exception {
        ObjectNode tree = Presets.expandTree("cis-abs", 1L, Json.MAPPER.readTree(
                "{\"task\":{\"importance\":[1,1,1,1,1],\"featureProbabilityPerFeature\":{\"decay\":0.5}}}"));
        ExperimentSpec spec = Json.MAPPER.treeToValue(tree, ExperimentSpec.class);
        assertEquals(List.of("task.importance", "task.featureProbabilityPerFeature"), fields(spec));
    }

    @Test
    void aWrongShapeOrKeyIsRefusedWhenReadNamingTheField() {
        for (String bad : List.of("{\"decay\":0.9,\"power\":2}", "\"steep\"", "0.9", "[1,\"x\"]",
                "{\"from\":1,\"to\":0,\"spacing\":3}")) {
            JsonMappingException e = assertThrows(JsonMappingException.class, () -> tms("{\"importanceDecay\":null,"
                    + "\"importance\":" + bad + "}"), bad);
            String path = String.join(".", e.getPath().stream().map(JsonMappingException.Reference::getFieldName)
                    .filter(java.util.Objects::nonNull).toList());
            assertEquals("task.importance", path, bad);
        }
    }

    @Test
    void aSweepGridOverAProfileNamesTheBadPoint() throws Exception {
        JsonNode grid = Json.MAPPER.readTree("{\"task.importance\": [{\"decay\": 0.9}, [1, 2]]}");
        ObjectNode base = Presets.expandTree("tms-intro", 1L, Json.MAPPER.readTree(
                "{\"task\":{\"importanceDecay\":null}}"));
        SweepSpec.InvalidSweepException e = assertThrows(SweepSpec.InvalidSweepException.class,
                () -> SweepSpec.of(base, grid).expand());
        assertEquals("grid.task.importance[1]", e.errors().get(0).field());
    }
}
