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
                    int seeds, Measure measure, Agree agree, String notes, Compare compare) {

    /**
     * A claim about a difference between two settings (dropout 0.5 against the dropout-0 baseline, GeLU against
     * ReLU): runs whose spec has {@code value} at {@code path} are the claim's runs, runs with {@code baseline} there
     * its baselines; a claim run's figure is its measure combined with that of the newest baseline run of the same
     * seed, {@code as} "ratio" (claim ÷ baseline) or "difference" (claim − baseline).
     */
    public record Compare(String path, JsonNode value, JsonNode baseline, String as) {
        public static final java.util.Set<String> FORMS = java.util.Set.of("ratio", "difference");

        public double combine(double claimValue, double baselineValue) {
            return "ratio".equals(as) ? claimValue / baselineValue : claimValue - baselineValue;
        }

        /** The spec's value at {@link #path} (dotted), or a missing node. */
        JsonNode at(JsonNode spec) {
            JsonNode node = spec;
            for (String segment : path.split("\\.")) {
                node = node == null ? null : node.get(segment);
            }
            return node == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : node;
        }

        public boolean isClaimRun(JsonNode spec) {
            return same(at(spec), value);
        }

        public boolean isBaselineRun(JsonNode spec) {
            return same(at(spec), baseline);
        }

        public String describe() {
            return path + " = " + value + " against the baseline " + path + " = " + baseline + " of the same seed ("
                    + ("ratio".equals(as) ? "claim ÷ baseline" : "claim − baseline") + ")";
        }
    }

    /**
     * How a run's figure is computed: the final value of {@code metric} (the run's latest metrics), or a cell of the
     * circuit table {@code table} of its latest analysed checkpoint ({@code row} × {@code col} by label; without a
     * row, the mean of {@code col} over the rows when {@code aggregate} is "mean", else the number of rows whose
     * {@code col} value is above {@code countRowsAbove}).
     */
    public record Measure(String label, String metric, String table, String row, String col, Double countRowsAbove,
                          String aggregate) {
        /** {@code aggregate}: the mean of {@code col} over every row of the table (e.g. over a run's instances). */
        public static final String MEAN = "mean";

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

    /** Equal JSON values, numbers by value (0.5 and 0.50, 1 and 1.0). */
    static boolean same(JsonNode spec, JsonNode wanted) {
        return spec != null && (spec.isNumber() && wanted.isNumber() ? spec.asDouble() == wanted.asDouble()
                : spec.equals(wanted));
    }

    private static boolean contains(JsonNode spec, JsonNode wanted) {
        if (!wanted.isObject()) {
            return same(spec, wanted);
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
