package org.interplab.contracts.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One value per feature of a toy task (the TMS paper's importance I_j, or a feature probability p_j), written in a
 * spec as one of:
 * <ul>
 *   <li>a list, one value per feature: {@code [1, 0.7, 0.49]};</li>
 *   <li>{@code {"decay": r}} (optionally {@code "start": s}, default 1): s·r^j, the paper's geometric importance;</li>
 *   <li>{@code {"from": a, "to": b}} (optionally {@code "spacing": "linear"}, the default, or {@code "log"}):
 *       a at feature 0 to b at the last feature, evenly spaced (log: geometrically spaced; a single feature gets a).</li>
 * </ul>
 * The JSON form is checked when it is read (a wrong shape or an unknown key fails there, naming the field); the
 * numbers are checked by {@link #check} in {@link SpecValidator} (finite, in range, one per feature).
 */
public record FeatureProfile(List<Double> values, Double decay, Double start, Double from, Double to,
                             String spacing) {
    static final Set<String> KEYS = Set.of("decay", "start", "from", "to", "spacing");
    static final Set<String> SPACINGS = Set.of("linear", "log");

    public FeatureProfile {
        values = values == null ? null : Collections.unmodifiableList(new ArrayList<>(values));
    }

    public static FeatureProfile of(List<Double> values) {
        return new FeatureProfile(values, null, null, null, null, null);
    }

    public static FeatureProfile geometric(double decay) {
        return new FeatureProfile(null, decay, null, null, null, null);
    }

    /** Reads the JSON forms above; a number given as the string "NaN" or "Infinity" is read (and refused later). */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static FeatureProfile fromJson(JsonNode node) {
        if (node instanceof ArrayNode array) {
            List<Double> values = new ArrayList<>();
            for (int i = 0; i < array.size(); i++) {
                values.add(number(array.get(i), "[" + i + "]"));
            }
            return of(values);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new IllegalArgumentException("must be a list with one number per feature, {\"decay\": r} or "
                    + "{\"from\": a, \"to\": b}, was " + node);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            String key = it.next().getKey();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key '" + key + "'; one of " + KEYS.stream().sorted()
                        .toList());
            }
        }
        JsonNode spacing = object.get("spacing");
        if (spacing != null && !spacing.isNull() && !spacing.isTextual()) {
            throw new IllegalArgumentException("'spacing' must be \"linear\" or \"log\", was " + spacing);
        }
        return new FeatureProfile(null, number(object.get("decay"), "decay"), number(object.get("start"), "start"),
                number(object.get("from"), "from"), number(object.get("to"), "to"),
                spacing == null || spacing.isNull() ? null : spacing.asText());
    }

    private static Double number(JsonNode n, String where) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (n.isNumber()) {
            return n.doubleValue();
        }
        if (n.isTextual()) {
            try {
                return Double.valueOf(n.asText()); // "NaN", "Infinity": read, then refused by the validator by name
            } catch (NumberFormatException e) {
                // falls through to the error below
            }
        }
        throw new IllegalArgumentException(where + " must be a number, was " + n);
    }

    /** The form it was read from: a list, or the object with the keys that are set. */
    @JsonValue
    public JsonNode toJson() {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (values != null) {
            ArrayNode a = f.arrayNode();
            values.forEach(v -> a.add(v == null ? null : f.numberNode(v)));
            return a;
        }
        ObjectNode o = f.objectNode();
        if (decay != null) {
            o.put("decay", decay);
        }
        if (start != null) {
            o.put("start", start);
        }
        if (from != null) {
            o.put("from", from);
        }
        if (to != null) {
            o.put("to", to);
        }
        if (spacing != null) {
            o.put("spacing", spacing);
        }
        return o;
    }

    /** The value of each of {@code nFeatures} features (call after {@link #check} found no error). */
    public double[] resolve(int nFeatures) {
        double[] v = new double[nFeatures];
        for (int j = 0; j < nFeatures; j++) {
            if (values != null) {
                v[j] = values.get(j);
            } else if (decay != null) {
                v[j] = (start == null ? 1.0 : start) * Math.pow(decay, j);
            } else {
                double t = nFeatures == 1 ? 0 : j / (double) (nFeatures - 1);
                v[j] = "log".equals(spacing) ? from * Math.pow(to / from, t) : from + (to - from) * t;
            }
        }
        return v;
    }

    /**
     * The problems of this profile as the value of {@code field} for {@code nFeatures} features whose values must
     * lie in (min, max] (or [min, max] when {@code minInclusive}): a list needs one finite number per feature in that
     * range; a decay needs a finite decay &gt; 0 and a start in range, and every resolved value must stay in range; a
     * from/to pair needs both ends in range (log spacing: both &gt; 0).
     */
    public List<FieldError> check(String field, int nFeatures, double min, boolean minInclusive, double max) {
        List<FieldError> errors = new ArrayList<>();
        String range = (minInclusive ? "[" : "(") + fmt(min) + ", " + fmt(max) + "]";
        if (values != null) {
            if (values.size() != nFeatures) {
                errors.add(new FieldError(field, "needs one entry per feature (task.nFeatures = " + nFeatures
                        + "), has " + values.size()));
            }
            for (int j = 0; j < values.size(); j++) {
                Double v = values.get(j);
                if (v == null || !Double.isFinite(v) || !inRange(v, min, minInclusive, max)) {
                    errors.add(new FieldError(field + "[" + j + "]", "must be a finite number in " + range + ", was "
                            + v));
                }
            }
            return errors;
        }
        boolean geometric = decay != null || start != null;
        boolean ramp = from != null || to != null || spacing != null;
        if (geometric == ramp) {
            errors.add(new FieldError(field, geometric ? "gives both a decay and from/to; use one form"
                    : "needs a list, {\"decay\": r} or {\"from\": a, \"to\": b}"));
            return errors;
        }
        if (geometric) {
            if (decay == null || !Double.isFinite(decay) || !(decay > 0)) {
                errors.add(new FieldError(field + ".decay", "must be a finite number > 0, was " + decay));
            }
            double s = start == null ? 1.0 : start;
            if (!Double.isFinite(s) || !inRange(s, min, minInclusive, max)) {
                errors.add(new FieldError(field + ".start", "must be a finite number in " + range + ", was " + s));
            }
            if (errors.isEmpty()) {
                double[] v = resolve(nFeatures);
                for (int j = 0; j < v.length; j++) {
                    if (!Double.isFinite(v[j]) || !inRange(v[j], min, minInclusive, max)) {
                        errors.add(new FieldError(field + ".decay", "makes feature " + j + "'s value " + v[j]
                                + ", outside " + range));
                        break;
                    }
                }
            }
            return errors;
        }
        for (Map.Entry<String, Double> end : List.of(Map.entry("from", from == null ? Double.NaN : from),
                Map.entry("to", to == null ? Double.NaN : to))) {
            double v = end.getValue();
            if (!Double.isFinite(v) || !inRange(v, min, minInclusive, max)) {
                errors.add(new FieldError(field + "." + end.getKey(), "must be a finite number in " + range + ", was "
                        + (Double.isNaN(v) && (end.getKey().equals("from") ? from : to) == null ? "absent" : v)));
            } else if ("log".equals(spacing) && !(v > 0)) {
                errors.add(new FieldError(field + "." + end.getKey(), "must be > 0 for log spacing, was " + v));
            }
        }
        if (spacing != null && !SPACINGS.contains(spacing)) {
            errors.add(new FieldError(field + ".spacing", "must be one of " + SPACINGS.stream().sorted().toList()
                    + ", was '" + spacing + "'"));
        }
        return errors;
    }

    private static boolean inRange(double v, double min, boolean minInclusive, double max) {
        return (minInclusive ? v >= min : v > min) && v <= max;
    }

    private static String fmt(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }
}
