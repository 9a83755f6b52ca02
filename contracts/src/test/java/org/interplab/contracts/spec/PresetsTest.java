package org.interplab.contracts.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.interplab.contracts.Json;
import org.junit.jupiter.api.Test;

class PresetsTest {

    @Test
    void theNamesAreTheJsonFilesPresent() throws Exception {
        Set<String> files;
        try (Stream<Path> list = Files.list(Path.of("src/main/resources/presets"))) {
            files = list.map(p -> p.getFileName().toString())
                    .filter(f -> f.endsWith(".json") && !f.endsWith(".grid.json"))
                    .map(f -> f.substring(0, f.length() - 5))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
        assertEquals(files, new TreeSet<>(Presets.NAMES));
        assertEquals(List.of("xor", "ov-coherent", "ov-coherent-1head", "addition"), Presets.NAMES.subList(0, 4));
        assertFalse(Presets.NAMES.stream().anyMatch(n -> n.endsWith(".grid")));
    }

    @Test
    void everyPresetExpandsToAValidSpecAndEveryGridToValidPoints() {
        for (String name : Presets.NAMES) {
            ExperimentSpec spec = Presets.expand(name, 5L, null);
            assertEquals(List.of(), SpecValidator.validate(spec), name);
            assertEquals(5L, spec.seed());
            Presets.grid(name).ifPresent(grid -> {
                List<SweepSpec.Point> points = SweepSpec.of(Presets.load(name), grid).expand();
                assertTrue(points.size() > 1, name);
            });
        }
    }

    @Test
    void singlePresetsHaveNoGrid() {
        assertTrue(Presets.grid("xor").isEmpty());
        assertNull(Presets.load("xor").get("grid"));
        assertThrows(Presets.UnknownPresetException.class, () -> Presets.grid("nope"));
    }

    @Test
    void theDropoutSweepGridIsFeatureProbabilityTimesDropout() throws Exception {
        JsonNode side = Json.MAPPER.readTree(Path.of("src/main/resources/presets/tms-dropout-sweep.grid.json")
                .toFile());
        assertEquals(List.of("task.featureProbability", "model.dropout"), iterable(side));
        side.fieldNames().forEachRemaining(path -> assertNull(SweepSpec.checkPath(path), path));
        assumeTrue(Presets.NAMES.contains("tms-dropout-sweep"), "tms-dropout-sweep.json not present yet");
        ObjectNode grid = Presets.grid("tms-dropout-sweep").orElseThrow();
        List<SweepSpec.Point> points = SweepSpec.of(Presets.load("tms-dropout-sweep"), grid).expand();
        assertEquals(side.get("task.featureProbability").size() * side.get("model.dropout").size(), points.size());
        SweepSpec.Point last = points.get(points.size() - 1);
        assertEquals(side.get("task.featureProbability").get(side.get("task.featureProbability").size() - 1)
                .asDouble(), last.spec().task().featureProbability(), 0);
        assertEquals(side.get("model.dropout").get(side.get("model.dropout").size() - 1).asDouble(),
                last.spec().model().dropout(), 0);
    }

    @Test
    void overridesAreDeepMerged() throws Exception {
        ExperimentSpec spec = Presets.expand("xor", 9L, Json.MAPPER.readTree("{\"model\": {\"nHeads\": 3}}"));
        assertEquals(3, spec.model().nHeads());
        assertEquals(16, spec.model().dModel());
        assertEquals(9L, spec.seed());
    }

    private static List<String> iterable(JsonNode node) {
        List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
