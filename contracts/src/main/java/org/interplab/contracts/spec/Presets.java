package org.interplab.contracts.spec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.interplab.contracts.Json;

/**
 * Named experiments that reproduce the seeds' settings. Each preset is a complete spec in
 * {@code presets/<name>.json}; a submission may override any field of it (a deep merge), then the result is
 * validated like any spec.
 *
 * <p>A preset may carry a default grid, which makes it a sweep: a {@code "grid"} key in its JSON, or a side file
 * {@code presets/<name>.grid.json}; either is an object from a field's JSON path to the list of its values (see
 * {@link SweepSpec}). The grid is not part of the spec.
 *
 * <p>The names are the JSON files present: adding {@code presets/<name>.json} adds a preset.
 */
public final class Presets {
    static final String DIRECTORY = "presets";
    static final String GRID_SUFFIX = ".grid";
    static final String GRID_KEY = "grid";

    /** The design's presets in the order the UI lists them; files beyond these follow alphabetically. */
    static final List<String> PREFERRED_ORDER = List.of("xor", "ov-coherent", "ov-coherent-1head", "addition",
            "tms-intro", "tms-sparsity", "tms-dropout-sweep", "cis-abs", "cis-and", "cis-or", "cis-max-abs",
            "cis-square", "tinystories-1l", "tinystories-2l");

    /** Presets whose JSON ships in this module (discovered when the class loads). */
    public static final List<String> NAMES = discover();

    private Presets() {
    }

    /** The preset's spec as JSON, without its grid. */
    public static ObjectNode load(String name) {
        ObjectNode spec = raw(name);
        spec.remove(GRID_KEY);
        return spec;
    }

    /**
     * The preset's default grid (its {@code "grid"} key, else {@code presets/<name>.grid.json}), or empty when the
     * preset is a single experiment.
     */
    public static Optional<ObjectNode> grid(String name) {
        JsonNode inline = raw(name).get(GRID_KEY);
        if (inline != null && !inline.isNull()) {
            if (!inline.isObject()) {
                throw new IllegalStateException("preset " + name + ": 'grid' must be a JSON object");
            }
            return Optional.of((ObjectNode) inline);
        }
        JsonNode side = readResource(DIRECTORY + "/" + name + GRID_SUFFIX + ".json");
        if (side == null) {
            return Optional.empty();
        }
        if (!side.isObject()) {
            throw new IllegalStateException("preset " + name + ": " + name + GRID_SUFFIX + ".json must be an object");
        }
        return Optional.of((ObjectNode) side);
    }

    /** The preset as a spec, with the seed and overrides applied. Overrides are merged field by field. */
    public static ExperimentSpec expand(String name, Long seed, JsonNode overrides) {
        return toSpec(expandTree(name, seed, overrides));
    }

    /** {@link #expand} before conversion to a record: the JSON a sweep's grid is applied to. */
    public static ObjectNode expandTree(String name, Long seed, JsonNode overrides) {
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
        return spec;
    }

    static ExperimentSpec toSpec(ObjectNode spec) {
        try {
            return Json.MAPPER.treeToValue(spec, ExperimentSpec.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** Deep merge: objects are merged key by key, anything else in {@code source} replaces what is in target. */
    public static void merge(ObjectNode target, ObjectNode source) {
        source.fields().forEachRemaining(entry -> {
            JsonNode existing = target.get(entry.getKey());
            if (existing instanceof ObjectNode existingObject && entry.getValue() instanceof ObjectNode sourceObject) {
                merge(existingObject, sourceObject);
            } else {
                target.set(entry.getKey(), entry.getValue().deepCopy());
            }
        });
    }

    private static ObjectNode raw(String name) {
        if (name == null || !NAMES.contains(name)) {
            throw new UnknownPresetException(name);
        }
        JsonNode tree = readResource(DIRECTORY + "/" + name + ".json");
        if (!(tree instanceof ObjectNode object)) {
            throw new IllegalStateException("preset " + name + " is missing or not a JSON object");
        }
        return object;
    }

    private static JsonNode readResource(String path) {
        try (InputStream in = Presets.class.getResourceAsStream("/" + path)) {
            return in == null ? null : Json.MAPPER.readTree(in);
        } catch (IOException e) {
            throw new IllegalStateException(path + " is unreadable", e);
        }
    }

    /**
     * The preset files next to this class: listed from this module's jar or classes directory, plus every name
     * of {@link #PREFERRED_ORDER} whose file the class loader finds (for class loaders that hide their origin).
     */
    static List<String> discover() {
        Set<String> found = new TreeSet<>();
        try {
            CodeSource source = Presets.class.getProtectionDomain().getCodeSource();
            URL location = source == null ? null : source.getLocation();
            if (location != null && "file".equals(location.getProtocol())) {
                Path origin = Path.of(location.toURI());
                if (Files.isDirectory(origin.resolve(DIRECTORY))) {
                    try (Stream<Path> files = Files.list(origin.resolve(DIRECTORY))) {
                        files.map(p -> p.getFileName().toString()).forEach(f -> addIfPreset(f, found));
                    }
                } else if (Files.isRegularFile(origin)) {
                    try (ZipFile jar = new ZipFile(origin.toFile())) {
                        for (Enumeration<? extends ZipEntry> e = jar.entries(); e.hasMoreElements(); ) {
                            String entry = e.nextElement().getName();
                            if (entry.startsWith(DIRECTORY + "/") && entry.indexOf('/', DIRECTORY.length() + 1) < 0) {
                                addIfPreset(entry.substring(DIRECTORY.length() + 1), found);
                            }
                        }
                    }
                }
            }
        } catch (Exception e) {
            // the names the class loader finds below still make a usable list
        }
        for (String name : PREFERRED_ORDER) {
            if (Presets.class.getResource("/" + DIRECTORY + "/" + name + ".json") != null) {
                found.add(name);
            }
        }
        found.removeIf(name -> Presets.class.getResource("/" + DIRECTORY + "/" + name + ".json") == null);
        Set<String> ordered = new LinkedHashSet<>();
        PREFERRED_ORDER.stream().filter(found::contains).forEach(ordered::add);
        ordered.addAll(found);
        return List.copyOf(new ArrayList<>(ordered));
    }

    private static void addIfPreset(String fileName, Set<String> found) {
        if (fileName.endsWith(".json") && !fileName.endsWith(GRID_SUFFIX + ".json")) {
            found.add(fileName.substring(0, fileName.length() - ".json".length()));
        }
    }

    public static final class UnknownPresetException extends RuntimeException {
        public UnknownPresetException(String name) {
            super("unknown preset '" + name + "'; one of " + NAMES);
        }
    }
}
