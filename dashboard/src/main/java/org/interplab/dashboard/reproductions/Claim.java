package org.interplab.dashboard.reproductions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * One claim of the seeds, defined in {@code reproductions/claims.json} (the one place claims live): what the seed
 * says, the preset (with optional overrides) whose runs test it, and how the lab's figure is computed from a run.
 *
 * @param seeds   how many seeds the page offers to run (1 when the claim is not statistical)
 * @param notes   optional, e.g. the seed's remedy
 */
public record Claim(String id, String source, String claim, String seedFigure, String preset, ObjectNode overrides,
                    int seeds, Measure measure, Agree agree, String notes) {

    /**
     * How a run's figure is computed: the final value of {@code metric} (the run's latest metrics), or a cell of the
     * circuit table {@code table} of its latest analysed checkpoint ({@code row} × {@code col} by label; without a
     * row, the number of rows whose {@code col} value is above {@code countRowsAbove}).
     */
    public record Measure(String label, String metric, String table, String row, String col, Double countRowsAbove) {
        public boolean fromTable() {
            return table != null;
        }
    }

    /** The range a figure must fall in (either bound optional, both inclusive) for a run to agree with the seed. */
    public record Agree(Double min, Double max) {
        public boolean test(double value) {
            return (min == null || value >= min) && (max == null || value <= max);
        }

        public String describe() {
            if (min != null && max != null) {
                return min + " ≤ figure ≤ " + max;
            }
            return min != null ? "figure ≥ " + min : "figure ≤ " + max;
        }
    }

    /** Whether a run's spec has every value the overrides set (a run of the claim's preset without them does not). */
    public boolean matches(JsonNode spec) {
        return overrides == null || contains(spec, overrides);
    }

    private static boolean contains(JsonNode spec, JsonNode wanted) {
        if (!wanted.isObject()) {
            return spec != null && (spec.isNumber() && wanted.isNumber() ? spec.asDouble() == wanted.asDouble()
                    : spec.equals(wanted));
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = wanted.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (spec == null || !contains(spec.get(field.getKey()), field.getValue())) {
                return false;
            }
        }
        return true;
    }
}
