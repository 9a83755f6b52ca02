package org.interplab.contracts.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.interplab.contracts.Json;

/**
 * Named experiments that reproduce the seeds' settings. Each preset is a complete spec in
 * {@code presets/<name>.json}; a submission may override any field of it (a deep merge), then the result is
 * validated like any spec.
 */
public final class Presets {
    /** Presets whose JSON ships in this module. The design names more; they arrive with their tasks. */
    public static final List<String> NAMES = List.of("xor", "ov-coherent", "ov-coherent-1head", "addition");

    private Presets() {
    }

    public static ObjectNode load(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new UnknownPresetException(name);
        }
        try (InputStream in = Presets.class.getResourceAsStream("/presets/" + name + ".json")) {
            return (ObjectNode) Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException("preset " + name + " is unreadable", e);
        }
    }

    /** The preset as a spec, with the seed and overrides applied. Overrides are merged field by field. */
    public static ExperimentSpec expand(String name, Long seed, JsonNode overrides) {
        ObjectNode spec = load(name);
        if (overrides != null && !overrides.isNull()) {
            if (!overrides.isObject()) {
                throw new IllegalArgumentException("overrides must be a JSON object");
            }
            merge(spec, (ObjectNode) overrides);
        }
        if (seed != null) {
            spec.put("seed", seed);
        }
        try {
            return Json.MAPPER.treeToValue(spec, ExperimentSpec.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static void merge(ObjectNode target, ObjectNode source) {
        source.fields().forEachRemaining(entry -> {
            JsonNode existing = target.get(entry.getKey());
            if (existing instanceof ObjectNode existingObject && entry.getValue() instanceof ObjectNode sourceObject) {
                merge(existingObject, sourceObject);
            } else {
                target.set(entry.getKey(), entry.getValue());
            }
        });
    }

    public static final class UnknownPresetException extends RuntimeException {
        public UnknownPresetException(String name) {
            super("unknown preset '" + name + "'; one of " + NAMES);
        }
    }
}
