package org.interplab.dashboard.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/** Field-level differences between specs: every leaf path (objects descended, arrays whole) not equal in all. */
public final class SpecDiff {

    /** One differing field: its dotted JSON path and the value in each spec (a JSON null where it is absent). */
    public record Difference(String path, List<JsonNode> values) {
    }

    private SpecDiff() {
    }

    public static List<Difference> of(List<JsonNode> specs) {
        List<Map<String, JsonNode>> flat = specs.stream().map(SpecDiff::leaves).toList();
        Set<String> paths = new LinkedHashSet<>();
        flat.forEach(m -> paths.addAll(m.keySet()));
        List<Difference> differences = new ArrayList<>();
        for (String path : paths) {
            List<JsonNode> values = flat.stream()
                    .map(m -> m.getOrDefault(path, NullNode.getInstance())).toList();
            if (values.stream().distinct().count() > 1 || values.stream().anyMatch(Objects::isNull)) {
                differences.add(new Difference(path, values));
            }
        }
        return differences;
    }

    /** Leaf values by dotted path; a null field counts as absent. */
    static Map<String, JsonNode> leaves(JsonNode node) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        collect("", node, out);
        return out;
    }

    private static void collect(String prefix, JsonNode node, Map<String, JsonNode> out) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return;
        }
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> collect(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else {
            out.put(prefix, node);
        }
    }
}
