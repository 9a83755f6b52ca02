package org.interplab.dashboard.service;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.interplab.contracts.Json;
import org.interplab.dashboard.rest.ApiException;

/**
 * The dashboard's limits on what people type: names, tags, notes, grid sizes and queued runs per user. Each refusal
 * is a 4xx that names the limit and its setting.
 */
@ApplicationScoped
public class Limits {
    @ConfigProperty(name = "lab.limits.name-length", defaultValue = "200")
    int nameLength;

    @ConfigProperty(name = "lab.limits.tags", defaultValue = "32")
    int tagCount;

    @ConfigProperty(name = "lab.limits.tag-length", defaultValue = "64")
    int tagLength;

    @ConfigProperty(name = "lab.limits.note-length", defaultValue = "20000")
    int noteLength;

    @ConfigProperty(name = "lab.limits.sweep-points", defaultValue = "256")
    int sweepPoints;

    @ConfigProperty(name = "lab.limits.queued-per-user", defaultValue = "200")
    int queuedPerUser;

    /** A run or sweep name: at most lab.limits.name-length characters, no control characters (NUL included). */
    public String name(String name, String field) {
        if (name == null) {
            return null;
        }
        if (name.length() > nameLength) {
            throw ApiException.badRequest(field + " has " + name.length() + " characters; the limit is "
                    + nameLength + " (lab.limits.name-length)", field);
        }
        noControl(name, field);
        return name;
    }

    public List<String> tags(List<String> tags, String field) {
        if (tags == null) {
            return null;
        }
        if (tags.size() > tagCount) {
            throw ApiException.badRequest(tags.size() + " tags; the limit is " + tagCount + " (lab.limits.tags)",
                    field);
        }
        for (int i = 0; i < tags.size(); i++) {
            String tag = tags.get(i);
            String at = field + "[" + i + "]";
            if (tag == null || tag.isBlank()) {
                throw ApiException.badRequest("a tag cannot be empty", at);
            }
            if (tag.length() > tagLength) {
                throw ApiException.badRequest("a tag has " + tag.length() + " characters; the limit is " + tagLength
                        + " (lab.limits.tag-length)", at);
            }
            noControl(tag, at);
        }
        return tags;
    }

    public String note(String body) {
        if (body == null || body.isBlank()) {
            throw ApiException.badRequest("a note needs text", "body");
        }
        if (body.length() > noteLength) {
            throw ApiException.badRequest("the note has " + body.length() + " characters; the limit is " + noteLength
                    + " (lab.limits.note-length)", "body");
        }
        if (body.chars().anyMatch(c -> Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t')) {
            throw ApiException.badRequest("the note contains a control character", "body");
        }
        return body;
    }

    /**
     * Checks a submission before it is parsed or expanded: its name and tags, and that its grid has at most
     * lab.limits.sweep-points points (counted without overflow, so a 10^20-point grid is refused, not expanded).
     */
    public void submission(String body) {
        JsonNode tree;
        try {
            tree = Json.MAPPER.readTree(body);
        } catch (Exception e) {
            return; // the parser answers malformed JSON with its own 400
        }
        if (tree == null || !tree.isObject()) {
            return;
        }
        JsonNode spec = tree.has("spec") ? tree.get("spec") : tree.has("preset") ? tree.path("overrides") : tree;
        if (spec.path("name").isTextual()) {
            name(spec.get("name").asText(), tree.has("spec") ? "spec.name" : "name");
        }
        JsonNode tags = spec.path("tags");
        if (tags.isArray()) {
            if (tags.size() > tagCount) {
                throw ApiException.badRequest(tags.size() + " tags; the limit is " + tagCount + " (lab.limits.tags)",
                        "tags");
            }
            List<String> list = new java.util.ArrayList<>();
            tags.forEach(t -> list.add(t.isTextual() ? t.asText() : t.toString()));
            tags(list, "tags");
        }
        JsonNode grid = tree.path("grid");
        if (grid.isObject()) {
            long points = 1;
            var fields = grid.fields();
            while (fields.hasNext()) {
                var field = fields.next();
                int values = field.getValue().isArray() ? field.getValue().size() : 1;
                points = values == 0 ? 0 : Math.min((long) sweepPoints + 1, points * values);
            }
            if (points > sweepPoints) {
                throw ApiException.badRequest("the grid has more than " + sweepPoints + " points; the limit is "
                        + sweepPoints + " (lab.limits.sweep-points)", "grid");
            }
        }
    }

    /** Refuses more runs than lab.limits.queued-per-user waiting for a trainer (429). */
    public void queued(long alreadyQueued, int adding) {
        if (alreadyQueued + adding > queuedPerUser) {
            throw new ApiException(429, "you have " + alreadyQueued + " runs queued and submit " + adding
                    + "; the limit is " + queuedPerUser + " queued runs per user (lab.limits.queued-per-user)",
                    "queued", null);
        }
    }

    private static void noControl(String text, String field) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                throw ApiException.badRequest(field + " contains a control character (U+"
                        + String.format("%04X", (int) text.charAt(i)) + ")", field);
            }
        }
    }
}
