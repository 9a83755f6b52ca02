package org.interplab.core.checkpoint;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.Json;
import org.interplab.contracts.spec.ExperimentSpec;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What a checkpoint says about where it came from, stored as the safetensors {@code __metadata__} string map
 * (safetensors allows strings only, so structured values are JSON text):
 *
 * <pre>
 * format        "interplab/1"
 * spec          the ExperimentSpec as JSON (org.interplab.contracts.Json)
 * step          optimizer steps taken, decimal
 * metrics       {"loss": 0.01, ...} as JSON
 * seed          the run's seed, decimal (absent when the spec has none)
 * code_version  the code that trained it (git revision or artifact version)
 * backend       e.g. "cpu nd4j-native linux-x86_64-avx2"
 * </pre>
 *
 * An imported model (Hugging Face, TransformerLens) has no such map: check {@link #isInterplab} before {@link #fromMap}.
 */
public record CheckpointMetadata(ExperimentSpec spec, long step, Map<String, Double> metrics, Long seed,
                                 String codeVersion, String backend) {
    public static final String FORMAT = "interplab/1";

    public static final String KEY_FORMAT = "format";
    public static final String KEY_SPEC = "spec";
    public static final String KEY_STEP = "step";
    public static final String KEY_METRICS = "metrics";
    public static final String KEY_SEED = "seed";
    public static final String KEY_CODE_VERSION = "code_version";
    public static final String KEY_BACKEND = "backend";

    private static final TypeReference<LinkedHashMap<String, Double>> METRICS_TYPE = new TypeReference<>() {
    };

    /** Metadata for a checkpoint trained here: seed from the spec, backend from the running ND4J. */
    public static CheckpointMetadata of(ExperimentSpec spec, long step, Map<String, Double> metrics,
                                        String codeVersion) {
        return new CheckpointMetadata(spec, step, metrics, spec == null ? null : spec.seed(), codeVersion,
                currentBackend());
    }

    public Map<String, String> toMap() {
        Map<String, String> map = new LinkedHashMap<>();
        map.put(KEY_FORMAT, FORMAT);
        if (spec != null) {
            map.put(KEY_SPEC, Json.write(spec));
        }
        map.put(KEY_STEP, Long.toString(step));
        map.put(KEY_METRICS, Json.write(metrics == null ? Map.of() : metrics));
        if (seed != null) {
            map.put(KEY_SEED, Long.toString(seed));
        }
        if (codeVersion != null) {
            map.put(KEY_CODE_VERSION, codeVersion);
        }
        if (backend != null) {
            map.put(KEY_BACKEND, backend);
        }
        return map;
    }

    /** Whether this {@code __metadata__} map was written by this project (any other map is an import). */
    public static boolean isInterplab(Map<String, String> metadata) {
        return metadata != null && FORMAT.equals(metadata.get(KEY_FORMAT));
    }

    /** Reads the map written by {@link #toMap}; a wrong or malformed entry is a {@link SafetensorsFormatException}. */
    public static CheckpointMetadata fromMap(Map<String, String> metadata) {
        String format = metadata == null ? null : metadata.get(KEY_FORMAT);
        if (format == null) {
            throw new SafetensorsFormatException("__metadata__ has no '" + KEY_FORMAT + "': not an " + FORMAT
                    + " checkpoint");
        }
        if (!FORMAT.equals(format)) {
            throw new SafetensorsFormatException("__metadata__ format is '" + format + "', expected '" + FORMAT + "'");
        }
        ExperimentSpec spec = null;
        String specJson = metadata.get(KEY_SPEC);
        if (specJson != null) {
            try {
                spec = Json.read(specJson, ExperimentSpec.class);
            } catch (IllegalArgumentException e) {
                throw new SafetensorsFormatException("__metadata__ '" + KEY_SPEC + "' is not an ExperimentSpec: "
                        + e.getMessage(), e);
            }
        }
        long step = parseLong(metadata, KEY_STEP, true);
        Long seed = metadata.containsKey(KEY_SEED) ? parseLong(metadata, KEY_SEED, false) : null;
        Map<String, Double> metrics = new LinkedHashMap<>();
        String metricsJson = metadata.get(KEY_METRICS);
        if (metricsJson != null) {
            try {
                metrics = Json.MAPPER.readValue(metricsJson, METRICS_TYPE);
            } catch (Exception e) {
                throw new SafetensorsFormatException("__metadata__ '" + KEY_METRICS
                        + "' is not a JSON object of numbers: " + metricsJson, e);
            }
        }
        return new CheckpointMetadata(spec, step, metrics, seed, metadata.get(KEY_CODE_VERSION),
                metadata.get(KEY_BACKEND));
    }

    private static long parseLong(Map<String, String> metadata, String key, boolean required) {
        String text = metadata.get(key);
        if (text == null) {
            if (required) {
                throw new SafetensorsFormatException("__metadata__ has no '" + key + "'");
            }
            return 0;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new SafetensorsFormatException("__metadata__ '" + key + "' is not an integer: '" + text + "'");
        }
    }

    /**
     * The ND4J backend doing the arithmetic in this JVM, e.g. {@code cpu nd4j-native linux-x86_64-avx2} or
     * {@code cuda nd4j-cuda linux-x86_64}: results can differ in the last bits between backends.
     */
    public static String currentBackend() {
        String backendClass = Nd4j.getBackend().getClass().getSimpleName();
        String platform = org.bytedeco.javacpp.Loader.getPlatform();
        if (backendClass.startsWith("Cpu")) {
            return "cpu nd4j-native " + platform + cpuExtension(platform);
        }
        if (backendClass.contains("Cu")) {
            return "cuda nd4j-cuda " + platform;
        }
        return backendClass + " " + platform;
    }

    /** Which optimised native build is on the class path (JavaCPP prefers the most specific the CPU supports). */
    private static String cpuExtension(String platform) {
        for (String extension : new String[] {"-avx512", "-avx2"}) {
            if (Nd4j.class.getResource("/org/nd4j/linalg/cpu/nativecpu/bindings/" + platform + extension + "/")
                    != null) {
                return extension;
            }
        }
        return "";
    }
}
