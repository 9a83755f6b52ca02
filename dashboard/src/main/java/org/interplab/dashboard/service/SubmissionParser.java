package org.interplab.dashboard.service;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.FieldError;
import org.interplab.contracts.spec.Presets;
import org.interplab.contracts.spec.SpecValidator;
import org.interplab.contracts.spec.SweepSpec;
import org.interplab.dashboard.rest.ApiException;
import org.interplab.dashboard.rest.ErrorMappers;

/**
 * Reads the body of {@code POST /api/experiments}, one of:
 * <ul>
 *   <li>a full {@link ExperimentSpec} (optionally with a {@code "grid"} key beside its fields);</li>
 *   <li>{@code {"spec": {...}, "grid": {...}}};</li>
 *   <li>{@code {"preset": name, "seed": n, "overrides": {...}, "grid": {...}}} — a preset with a default grid
 *       is a sweep unless {@code "grid": null}.</li>
 * </ul>
 * With a grid it is a sweep ({@link SweepSpec}): one experiment per point. Anything that would not train is refused
 * here, before anything is stored or sent.
 */
@ApplicationScoped
public class SubmissionParser {
    static final Set<String> PRESET_FIELDS = Set.of("preset", "seed", "overrides", "grid");
    static final Set<String> WRAPPED_FIELDS = Set.of("spec", "grid");
    static final String GRID = "grid";

    /** What a submission asks for: one experiment ({@code single}) or a sweep. */
    public record Parsed(Submission single, SweepSubmission sweep) {
    }

    /** A single experiment; a sweep is refused (callers that accept sweeps use {@link #parseRequest}). */
    public Submission parse(String body) {
        Parsed parsed = parseRequest(body);
        if (parsed.sweep() != null) {
            throw ApiException.badRequest("a sweep is not accepted here", GRID);
        }
        return parsed.single();
    }

    public Parsed parseRequest(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("the request body is empty; send an experiment spec or {\"preset\": ...}",
                    null);
        }
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (JsonProcessingException e) {
            throw toApiException(e);
        }
        if (tree == null || !tree.isObject()) {
            throw ApiException.badRequest("the body must be a JSON object (an experiment spec or a preset request)",
                    null);
        }
        ObjectNode object = (ObjectNode) tree;
        if (object.has("preset")) {
            return fromPreset(object);
        }
        if (object.has("spec")) {
            onlyFields(object, WRAPPED_FIELDS, "a {\"spec\": ..., \"grid\": ...} request");
            JsonNode spec = object.get("spec");
            if (!(spec instanceof ObjectNode specObject)) {
                throw ApiException.badRequest("spec must be a JSON object (an experiment spec)", "spec");
            }
            return build(specObject, object.get(GRID), null, null);
        }
        ObjectNode spec = object.deepCopy();
        JsonNode grid = spec.remove(GRID);
        return build(spec, grid, null, null);
    }

    private Parsed fromPreset(ObjectNode tree) {
        onlyFields(tree, PRESET_FIELDS, "a preset request");
        JsonNode presetNode = tree.get("preset");
        if (!presetNode.isTextual()) {
            throw ApiException.badRequest("preset must be a string; one of " + Presets.NAMES, "preset");
        }
        String preset = presetNode.asText();
        if (!Presets.NAMES.contains(preset)) {
            throw ApiException.badRequest("unknown preset '" + preset + "'; one of " + Presets.NAMES, "preset");
        }
        Long seed = null;
        JsonNode seedNode = tree.get("seed");
        if (seedNode != null && !seedNode.isNull()) {
            if (!seedNode.canConvertToLong() || !seedNode.isIntegralNumber()) {
                throw ApiException.badRequest("seed must be an integer, was " + seedNode, "seed");
            }
            seed = seedNode.asLong();
        }
        JsonNode overrides = tree.get("overrides");
        if (overrides != null && !overrides.isNull() && !overrides.isObject()) {
            throw ApiException.badRequest("overrides must be a JSON object", "overrides");
        }
        JsonNode grid = tree.has(GRID) ? tree.get(GRID) : Presets.grid(preset).orElse(null);
        if (grid == null || grid.isNull()) {
            try {
                return single(new Submission(Presets.expand(preset, seed, overrides), preset));
            } catch (Presets.UnknownPresetException e) {
                throw ApiException.badRequest(e.getMessage(), "preset");
            } catch (IllegalArgumentException e) {
                throw overridesProblem(e);
            }
        }
        refuseOverridesTheGridReplaces(overrides, grid);
        ObjectNode base;
        try {
            base = Presets.expandTree(preset, seed, overrides);
        } catch (IllegalArgumentException e) {
            throw overridesProblem(e);
        }
        return build(base, grid, preset, preset);
    }

    /** One experiment when {@code grid} is absent or null, else every point of the sweep. */
    private Parsed build(ObjectNode spec, JsonNode grid, String preset, String fallbackName) {
        if (grid == null || grid.isNull()) {
            try {
                return single(new Submission(Json.MAPPER.treeToValue(spec, ExperimentSpec.class), preset));
            } catch (JsonProcessingException e) {
                throw toApiException(e);
            }
        }
        refuseInvalidBaseValuesTheGridReplaces(spec, grid);
        List<SweepSpec.Point> points;
        try {
            points = SweepSpec.of(spec, grid).expand();
        } catch (SweepSpec.InvalidSweepException e) {
            throw new ApiException(400, e.getMessage(), e.errors().get(0).field(), e.errors());
        }
        ExperimentSpec first = points.get(0).spec();
        String name = first.name() != null && !first.name().isBlank() ? first.name()
                : fallbackName != null ? fallbackName : first.task().kind();
        List<Submission> submissions = points.stream()
                .map(p -> new Submission(p.spec(), preset, p.valuesJson(), p.label())).toList();
        return new Parsed(null, new SweepSubmission(name, preset, spec, (ObjectNode) grid, submissions));
    }

    /**
     * An override of a field the grid sweeps would be replaced in every run without a word: refused at the
     * override, so what was asked is what runs.
     */
    private static void refuseOverridesTheGridReplaces(JsonNode overrides, JsonNode grid) {
        if (overrides == null || !overrides.isObject() || !grid.isObject()) {
            return;
        }
        List<FieldError> clashes = new java.util.ArrayList<>();
        grid.fieldNames().forEachRemaining(key -> {
            if (!at(overrides, key).isMissingNode()) {
                clashes.add(new FieldError("overrides." + key, "is also swept by grid." + key
                        + ", whose values would replace it in every run: set it in one place"));
            }
        });
        if (!clashes.isEmpty()) {
            throw new ApiException(400, clashes.get(0).field() + " " + clashes.get(0).error(),
                    clashes.get(0).field(), clashes);
        }
    }

    /** A base value the grid replaces is still checked: an invalid one is refused, not silently dropped. */
    private static void refuseInvalidBaseValuesTheGridReplaces(ObjectNode spec, JsonNode grid) {
        if (!grid.isObject()) {
            return;
        }
        List<String> keys = new java.util.ArrayList<>();
        grid.fieldNames().forEachRemaining(keys::add);
        ExperimentSpec base;
        try {
            base = Json.MAPPER.treeToValue(spec, ExperimentSpec.class);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            return; // an unreadable base is reported point by point by the sweep
        }
        List<FieldError> errors = SpecValidator.validate(base).stream()
                .filter(e -> keys.stream().anyMatch(k -> e.field().equals(k) || e.field().startsWith(k + ".")
                        || e.field().startsWith(k + "[")))
                .map(e -> new FieldError(e.field(), e.error() + " (the grid sweeps this field, but the base value "
                        + "is checked too)"))
                .toList();
        if (!errors.isEmpty()) {
            throw new ApiException(400, errors.get(0).field() + " " + errors.get(0).error(), errors.get(0).field(),
                    errors);
        }
    }

    private static JsonNode at(JsonNode node, String dottedPath) {
        JsonNode at = node;
        for (String part : dottedPath.split("\\.")) {
            at = at.path(part);
        }
        return at;
    }

    private static Parsed single(Submission submission) {
        List<FieldError> errors = SpecValidator.validate(submission.spec());
        if (!errors.isEmpty()) {
            FieldError first = errors.get(0);
            String message = errors.size() == 1 ? first.field() + " " + first.error()
                    : first.field() + " " + first.error() + " (and " + (errors.size() - 1) + " more)";
            throw new ApiException(400, message, first.field(), errors);
        }
        return new Parsed(submission, null);
    }

    private static void onlyFields(ObjectNode tree, Set<String> allowed, String what) {
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw ApiException.badRequest("unknown property '" + name + "' in " + what + "; allowed: "
                        + allowed.stream().sorted().toList(), name);
            }
        }
    }

    private static ApiException overridesProblem(IllegalArgumentException e) {
        if (e.getCause() instanceof JsonProcessingException jpe) {
            ApiException described = toApiException(jpe);
            String field = described.body().field();
            return ApiException.badRequest("overrides: " + described.getMessage(), field == null ? "overrides"
                    : field);
        }
        return ApiException.badRequest("overrides: " + e.getMessage(), "overrides");
    }

    private static ApiException toApiException(JsonProcessingException e) {
        var body = ErrorMappers.describe(e);
        return ApiException.badRequest(body.error(), body.field());
    }
}
