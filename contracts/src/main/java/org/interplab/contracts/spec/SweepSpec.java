package org.interplab.contracts.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.interplab.contracts.Json;

/**
 * A sweep: a base spec and a grid, a map from a field's JSON path in the spec ({@code "task.featureProbability"},
 * {@code "model.dropout"}, {@code "seed"}) to the list of values it takes. The sweep is the cartesian product:
 * one complete, validated {@link ExperimentSpec} per point, the first grid key varying slowest. A value is set
 * like a preset override (an object value is deep-merged into the base's object).
 *
 * <p>Errors name the grid: {@code grid} for its shape or size, {@code grid.<path>} for a key, and
 * {@code grid.<path>[i]} for the i-th value of a key when a point made with it fails to read or validate.
 */
public record SweepSpec(ObjectNode base, LinkedHashMap<String, List<JsonNode>> grid) {
    /** The most points one sweep may have: each is a training run on the shared trainers. */
    public static final int MAX_POINTS = 256;
    /** Validation stops listing errors after this many. */
    static final int MAX_ERRORS = 20;

    /** One point: the grid values (path → value, in grid order), their indices, and the spec they make. */
    public record Point(int index, LinkedHashMap<String, JsonNode> values, Map<String, Integer> valueIndices,
                        ExperimentSpec spec) {

        /** {@code featureProbability=0.1, dropout=0.2}: the last segment of each path with its value. */
        public String label() {
            return values.entrySet().stream()
                    .map(e -> e.getKey().substring(e.getKey().lastIndexOf('.') + 1) + "=" + e.getValue())
                    .collect(Collectors.joining(", "));
        }

        /** The values as a JSON object keyed by path, as stored with each experiment of a sweep. */
        public ObjectNode valuesJson() {
            ObjectNode node = Json.MAPPER.createObjectNode();
            values.forEach(node::set);
            return node;
        }
    }

    /** The grid or one of its points is unusable; {@code errors} name the fields, the first one is the cause. */
    public static final class InvalidSweepException extends IllegalArgumentException {
        private final List<FieldError> errors;

        public InvalidSweepException(List<FieldError> errors) {
            super(errors.get(0).field() + " " + errors.get(0).error()
                    + (errors.size() > 1 ? " (and " + (errors.size() - 1) + " more)" : ""));
            this.errors = List.copyOf(errors);
        }

        public InvalidSweepException(String field, String error) {
            this(List.of(new FieldError(field, error)));
        }

        public List<FieldError> errors() {
            return errors;
        }
    }

    public SweepSpec {
        base = base.deepCopy();
        grid = new LinkedHashMap<>(grid);
    }

    /**
     * Reads a grid from JSON and checks its shape: a non-empty object whose keys are fields of
     * {@link ExperimentSpec} and whose values are non-empty arrays, with at most {@link #MAX_POINTS} points.
     */
    public static SweepSpec of(ObjectNode base, JsonNode gridJson) {
        if (gridJson == null || !gridJson.isObject()) {
            throw new InvalidSweepException("grid", "must be a JSON object from a field's path (e.g. "
                    + "\"model.dropout\") to a list of its values");
        }
        if (gridJson.isEmpty()) {
            throw new InvalidSweepException("grid", "names no field; give at least one path with a list of values");
        }
        List<FieldError> errors = new ArrayList<>();
        LinkedHashMap<String, List<JsonNode>> grid = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = gridJson.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            String path = entry.getKey();
            String field = "grid." + path;
            String pathProblem = checkPath(path);
            if (pathProblem != null) {
                errors.add(new FieldError(field, pathProblem));
                continue;
            }
            for (String other : grid.keySet()) {
                if (path.startsWith(other + ".") || other.startsWith(path + ".")) {
                    errors.add(new FieldError(field, "overlaps grid key '" + other + "'"));
                }
            }
            JsonNode values = entry.getValue();
            if (values == null || !values.isArray() || values.isEmpty()) {
                errors.add(new FieldError(field, "must be a non-empty list of values, was " + values));
                continue;
            }
            List<JsonNode> list = new ArrayList<>();
            values.forEach(list::add);
            grid.put(path, list);
        }
        if (!errors.isEmpty()) {
            throw new InvalidSweepException(errors);
        }
        SweepSpec sweep = new SweepSpec(base, grid);
        long size = sweep.size();
        if (size > MAX_POINTS) {
            throw new InvalidSweepException("grid", "has " + size + " points ("
                    + grid.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue().size())
                    .collect(Collectors.joining(" × ")) + "); a sweep may have at most " + MAX_POINTS);
        }
        return sweep;
    }

    /** Number of points: the product of the lists' lengths. */
    public long size() {
        long size = 1;
        for (List<JsonNode> values : grid.values()) {
            size = Math.multiplyExact(size, values.size());
        }
        return size;
    }

    /** Every point as a validated spec; any unusable point fails the whole sweep, every error named. */
    public List<Point> expand() {
        List<String> paths = new ArrayList<>(grid.keySet());
        int[] radix = paths.stream().mapToInt(p -> grid.get(p).size()).toArray();
        int total = Math.toIntExact(size());
        Set<FieldError> errors = new LinkedHashSet<>();
        List<Point> points = new ArrayList<>(total);
        int[] digits = new int[paths.size()];
        for (int index = 0; index < total; index++) {
            // digits: mixed-radix counter, the first key most significant
            int rest = index;
            for (int k = paths.size() - 1; k >= 0; k--) {
                digits[k] = rest % radix[k];
                rest /= radix[k];
            }
            ObjectNode tree = base.deepCopy();
            LinkedHashMap<String, JsonNode> values = new LinkedHashMap<>();
            Map<String, Integer> indices = new LinkedHashMap<>();
            for (int k = 0; k < paths.size(); k++) {
                JsonNode value = grid.get(paths.get(k)).get(digits[k]);
                set(tree, paths.get(k), value);
                values.put(paths.get(k), value);
                indices.put(paths.get(k), digits[k]);
            }
            ExperimentSpec spec;
            try {
                spec = Json.MAPPER.treeToValue(tree, ExperimentSpec.class);
            } catch (JsonMappingException e) {
                String at = e.getPath().stream()
                        .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : String.valueOf(ref.getIndex()))
                        .collect(Collectors.joining("."));
                errors.add(new FieldError(blame(at, indices), "cannot be read: " + e.getOriginalMessage()));
                if (errors.size() >= MAX_ERRORS) {
                    break;
                }
                continue;
            } catch (JsonProcessingException e) {
                errors.add(new FieldError("grid", "point " + index + " cannot be read: " + e.getOriginalMessage()));
                continue;
            }
            for (FieldError error : SpecValidator.validate(spec)) {
                String field = blame(error.field(), indices);
                boolean onGrid = !field.equals(error.field());
                errors.add(new FieldError(field, onGrid ? error.error()
                        : error.error() + " (at grid point " + values + ")"));
            }
            if (errors.size() >= MAX_ERRORS) {
                break;
            }
            points.add(new Point(index, values, indices, spec));
        }
        if (!errors.isEmpty()) {
            throw new InvalidSweepException(new ArrayList<>(errors));
        }
        return points;
    }

    /** The grid value responsible for a problem at {@code fieldPath}, or the path itself when the base is. */
    private static String blame(String fieldPath, Map<String, Integer> indices) {
        for (Map.Entry<String, Integer> e : indices.entrySet()) {
            String p = e.getKey();
            if (fieldPath.equals(p) || fieldPath.startsWith(p + ".")) {
                return "grid." + p + "[" + e.getValue() + "]";
            }
        }
        return fieldPath;
    }

    /** Sets {@code value} at the dotted path, creating objects on the way; object values are deep-merged. */
    static void set(ObjectNode tree, String path, JsonNode value) {
        String[] segments = path.split("\\.");
        ObjectNode node = tree;
        for (int i = 0; i < segments.length - 1; i++) {
            JsonNode child = node.get(segments[i]);
            if (!(child instanceof ObjectNode)) {
                child = node.putObject(segments[i]);
            }
            node = (ObjectNode) child;
        }
        String leaf = segments[segments.length - 1];
        if (value instanceof ObjectNode object && node.get(leaf) instanceof ObjectNode existing) {
            Presets.merge(existing, object);
        } else {
            node.set(leaf, value.deepCopy());
        }
    }

    /** Null when the path names a field of ExperimentSpec (or of its task, model, training), else the problem. */
    static String checkPath(String path) {
        if (path.isBlank()) {
            return "is not a field path";
        }
        Class<?> type = ExperimentSpec.class;
        String[] segments = path.split("\\.", -1);
        for (int i = 0; i < segments.length; i++) {
            if (type == null || !type.isRecord()) {
                return "'" + String.join(".", Arrays.copyOf(segments, i)) + "' has no fields";
            }
            RecordComponent found = null;
            for (RecordComponent c : type.getRecordComponents()) {
                if (c.getName().equals(segments[i])) {
                    found = c;
                }
            }
            if (found == null) {
                List<String> names = Arrays.stream(type.getRecordComponents()).map(RecordComponent::getName).toList();
                String where = i == 0 ? "the spec" : String.join(".", Arrays.copyOf(segments, i));
                return "unknown field '" + segments[i] + "' in " + where + "; one of " + names;
            }
            type = found.getGenericType() instanceof ParameterizedType ? null : found.getType();
            if (type != null && !type.isRecord() && i < segments.length - 1) {
                type = null;
            }
        }
        return null;
    }
}
