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
import org.interplab.dashboard.rest.ApiException;
import org.interplab.dashboard.rest.ErrorMappers;

/**
 * Reads the body of {@code POST /api/experiments}: either a full {@link ExperimentSpec} or
 * {@code {"preset": name, "seed": n, "overrides": {...}}}. Anything that would not train is refused here, before
 * anything is stored or sent.
 */
@ApplicationScoped
public class SubmissionParser {
    static final Set<String> PRESET_FIELDS = Set.of("preset", "seed", "overrides");

    public Submission parse(String body) {
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
        Submission submission = tree.has("preset") ? fromPreset((ObjectNode) tree) : fromSpec(tree);
        List<FieldError> errors = SpecValidator.validate(submission.spec());
        if (!errors.isEmpty()) {
            FieldError first = errors.get(0);
            String message = errors.size() == 1 ? first.field() + " " + first.error()
                    : first.field() + " " + first.error() + " (and " + (errors.size() - 1) + " more)";
            throw new ApiException(400, message, first.field(), errors);
        }
        return submission;
    }

    private Submission fromPreset(ObjectNode tree) {
        for (Iterator<String> names = tree.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!PRESET_FIELDS.contains(name)) {
                throw ApiException.badRequest("unknown property '" + name + "' in a preset request; allowed: "
                        + PRESET_FIELDS.stream().sorted().toList(), name);
            }
        }
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
        try {
            return new Submission(Presets.expand(preset, seed, overrides), preset);
        } catch (Presets.UnknownPresetException e) {
            throw ApiException.badRequest(e.getMessage(), "preset");
        } catch (IllegalArgumentException e) {
            if (e.getCause() instanceof JsonProcessingException jpe) {
                ApiException described = toApiException(jpe);
                String field = described.body().field();
                throw ApiException.badRequest("overrides: " + described.getMessage(), field == null ? "overrides"
                        : field);
            }
            throw ApiException.badRequest("overrides: " + e.getMessage(), "overrides");
        }
    }

    private Submission fromSpec(JsonNode tree) {
        try {
            return new Submission(Json.MAPPER.treeToValue(tree, ExperimentSpec.class), null);
        } catch (JsonProcessingException e) {
            throw toApiException(e);
        }
    }

    private static ApiException toApiException(JsonProcessingException e) {
        var body = ErrorMappers.describe(e);
        return ApiException.badRequest(body.error(), body.field());
    }
}
