package org.interplab.core.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.Presets;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointMetadataTest {
    private final ExperimentSpec spec = Presets.expand("xor", 17L, null);

    @Test
    void mapHoldsTheDocumentedKeys() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", 0.125);
        metrics.put("accuracy", 1.0);
        Map<String, String> map = CheckpointMetadata.of(spec, 600, metrics, "abc1234").toMap();

        assertEquals(List.of("format", "spec", "step", "metrics", "seed", "code_version", "backend"),
                List.copyOf(map.keySet()));
        assertEquals("interplab/1", map.get("format"));
        assertEquals(spec, Json.read(map.get("spec"), ExperimentSpec.class));
        assertEquals("600", map.get("step"));
        assertEquals("{\"loss\":0.125,\"accuracy\":1.0}", map.get("metrics"));
        assertEquals("17", map.get("seed"));
        assertEquals("abc1234", map.get("code_version"));
        assertTrue(map.get("backend").startsWith("cpu nd4j-native linux-"), map.get("backend"));
    }

    @Test
    void survivesASafetensorsRoundTrip() {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("loss", Double.NaN);
        metrics.put("test_loss", 2.5e-7);
        CheckpointMetadata written = new CheckpointMetadata(spec, 42, metrics, 17L, "v1", "cpu test");
        byte[] bytes = Safetensors.write(Map.of("embed.W_E", Nd4j.zeros(DataType.FLOAT, 5, 16)), written.toMap());

        SafetensorsFile file = Safetensors.read(bytes);
        assertTrue(CheckpointMetadata.isInterplab(file.metadata()));
        CheckpointMetadata read = CheckpointMetadata.fromMap(file.metadata());

        assertEquals(spec, read.spec());
        assertEquals(42, read.step());
        assertEquals(17L, read.seed());
        assertTrue(Double.isNaN(read.metrics().get("loss")));
        assertEquals(2.5e-7, read.metrics().get("test_loss"));
        assertEquals("v1", read.codeVersion());
        assertEquals("cpu test", read.backend());
    }

    @Test
    void specWithoutSeedOmitsTheSeedKey() {
        Map<String, String> map = CheckpointMetadata.of(spec.withSeed(0), 0, null, null).toMap();
        assertEquals("0", map.get("seed"));
        ExperimentSpec noSeed = new ExperimentSpec(spec.name(), spec.task(), spec.model(), spec.training(), null,
                spec.tags());
        Map<String, String> without = CheckpointMetadata.of(noSeed, 0, null, null).toMap();
        assertFalse(without.containsKey("seed"));
        assertNull(CheckpointMetadata.fromMap(without).seed());
    }

    @Test
    void foreignOrBrokenMetadataIsRejectedWithItsReason() {
        assertFalse(CheckpointMetadata.isInterplab(Map.of("format", "pt")));
        assertMessage(Map.of("format", "pt"), "__metadata__ format is 'pt', expected 'interplab/1'");
        assertMessage(Map.of(), "__metadata__ has no 'format': not an interplab/1 checkpoint");

        Map<String, String> good = CheckpointMetadata.of(spec, 3, Map.of("loss", 1.0), "v").toMap();
        Map<String, String> badStep = new HashMap<>(good);
        badStep.put("step", "three");
        assertMessage(badStep, "__metadata__ 'step' is not an integer: 'three'");
        Map<String, String> badSpec = new HashMap<>(good);
        badSpec.put("spec", "{\"nme\": 1}");
        assertMessage(badSpec, "__metadata__ 'spec' is not an ExperimentSpec");
        Map<String, String> badMetrics = new HashMap<>(good);
        badMetrics.put("metrics", "[1,2]");
        assertMessage(badMetrics, "__metadata__ 'metrics' is not a JSON object of numbers: [1,2]");
    }

    private static void assertMessage(Map<String, String> map, String expected) {
        SafetensorsFormatException e = assertThrows(SafetensorsFormatException.class,
                () -> CheckpointMetadata.fromMap(map));
        assertTrue(e.getMessage().contains(expected), "expected «" + expected + "» in «" + e.getMessage() + "»");
    }
}
