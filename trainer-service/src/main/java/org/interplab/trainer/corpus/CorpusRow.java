package org.interplab.trainer.corpus;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** One row of the corpus table. */
public record CorpusRow(String id, String name, String sourceKind, String sourceFormat, String sourceRef,
                        String status, double progress, int attempts, Long stories, Long trainStories,
                        Long validationStories, Long trainTokens, Long validationTokens, List<String> samples,
                        String trainKey, Long trainSize, String trainSha256, String validationKey,
                        Long validationSize, String validationSha256, long splitSeed, String owner, String error,
                        Instant createdAt, Instant updatedAt) {

    /** The REST view (I-5): counts, samples, and where the split files are (size, sha256). */
    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("name", name);
        m.put("status", status);
        m.put("progress", progress);
        m.put("sourceKind", sourceKind);
        m.put("sourceFormat", sourceFormat);
        m.put("stories", stories);
        m.put("trainStories", trainStories);
        m.put("validationStories", validationStories);
        m.put("tokens", trainTokens == null ? null : trainTokens + validationTokens);
        m.put("trainTokens", trainTokens);
        m.put("validationTokens", validationTokens);
        m.put("samples", samples == null ? List.of() : samples);
        m.put("splits", trainKey == null ? Map.of() : Map.of(
                "train", Map.of("size", trainSize, "sha256", trainSha256),
                "validation", Map.of("size", validationSize, "sha256", validationSha256)));
        m.put("splitSeed", splitSeed);
        m.put("owner", owner);
        m.put("error", error);
        m.put("createdAt", createdAt);
        m.put("updatedAt", updatedAt);
        return m;
    }
}
