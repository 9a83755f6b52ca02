package org.interplab.core.checkpoint.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.interplab.contracts.spec.ModelSpec;

/**
 * A Hugging Face GPT-Neo {@code config.json} (GPTNeoConfig), reduced to what the architecture needs, and its
 * TransformerLens-style {@link ModelSpec}: LayerNorm, no 1/√d_head attention scale, per-layer global/local
 * attention from {@code attention_types}, and W_U held as its own (copied) tensor.
 */
public record GptNeoConfig(int hiddenSize, int numHeads, int numLayers, int intermediateSize, int maxPositions,
                           int vocabSize, List<String> attentionLayers, int windowSize, double layerNormEpsilon,
                           String activationFunction) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final Set<String> ACTIVATIONS = Set.of("gelu_new", "gelu", "relu");
    static final Set<String> ATTENTION_TYPES = Set.of("global", "local");

    /**
     * Parses config.json; defaults as GPTNeoConfig's (window_size 256, layer_norm_epsilon 1e-5, activation
     * gelu_new, intermediate_size 4·hidden_size).
     *
     * @throws HfFormatException naming the config field that is missing or wrong
     */
    public static GptNeoConfig parse(byte[] json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (IOException e) {
            throw new HfFormatException("config.json is not JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new HfFormatException("config.json must be a JSON object");
        }
        JsonNode type = root.get("model_type");
        if (type != null && !"gpt_neo".equals(type.asText())) {
            throw new HfFormatException("config.json model_type is '" + type.asText() + "'; only gpt_neo is imported");
        }
        int hidden = positive(root, "hidden_size", null);
        int heads = positive(root, "num_heads", null);
        int layers = positive(root, "num_layers", null);
        if (hidden % heads != 0) {
            throw new HfFormatException("config.json hidden_size " + hidden + " is not a multiple of num_heads "
                    + heads);
        }
        JsonNode inner = root.get("intermediate_size");
        int dMlp = inner == null || inner.isNull() ? 4 * hidden : positive(root, "intermediate_size", null);
        int positions = positive(root, "max_position_embeddings", null);
        int vocab = positive(root, "vocab_size", null);
        int window = positive(root, "window_size", 256);
        JsonNode epsNode = root.get("layer_norm_epsilon");
        double eps = epsNode == null || epsNode.isNull() ? 1e-5 : epsNode.asDouble(-1);
        if (!(eps > 0) || (epsNode != null && !epsNode.isNull() && !epsNode.isNumber())) {
            throw new HfFormatException("config.json layer_norm_epsilon must be a positive number, is " + epsNode);
        }
        JsonNode actNode = root.get("activation_function");
        String act = actNode == null || actNode.isNull() ? "gelu_new" : actNode.asText();
        if (!ACTIVATIONS.contains(act)) {
            throw new HfFormatException("config.json activation_function '" + act + "' is not supported; one of "
                    + ACTIVATIONS);
        }
        List<String> attention = attentionLayers(root, layers);
        return new GptNeoConfig(hidden, heads, layers, dMlp, positions, vocab, attention, window, eps, act);
    }

    /** d_head = hidden_size / num_heads. */
    public int dHead() {
        return hiddenSize / numHeads;
    }

    public ModelSpec toModelSpec() {
        return new ModelSpec("transformer", numLayers, numHeads, dHead(), hiddenSize, maxPositions, vocabSize,
                vocabSize, intermediateSize, false, "LN", false, activationFunction, null, null, null, null, null,
                attentionLayers, windowSize, layerNormEpsilon, false);
    }

    /** {@code attention_types} [[["global", "local"], 2]] expanded; or the expanded {@code attention_layers}. */
    private static List<String> attentionLayers(JsonNode root, int layers) {
        JsonNode types = root.get("attention_types");
        JsonNode expandedNode = root.get("attention_layers");
        List<String> expanded = new ArrayList<>();
        if (types != null && !types.isNull()) {
            if (!types.isArray()) {
                throw new HfFormatException("config.json attention_types must be a list like [[[\"global\", "
                        + "\"local\"], 1]]");
            }
            for (JsonNode group : types) {
                if (!group.isArray() || group.size() != 2 || !group.get(0).isArray() || !group.get(1).canConvertToInt()
                        || !group.get(1).isIntegralNumber() || group.get(1).asInt() < 0) {
                    throw new HfFormatException("config.json attention_types entry " + group + " is not "
                            + "[[types...], repeat]");
                }
                for (int r = 0; r < group.get(1).asInt() && expanded.size() <= layers; r++) {
                    for (JsonNode t : group.get(0)) {
                        expanded.add(attentionType(t, "attention_types"));
                    }
                }
            }
        } else if (expandedNode != null && expandedNode.isArray()) {
            for (JsonNode t : expandedNode) {
                expanded.add(attentionType(t, "attention_layers"));
            }
        } else {
            throw new HfFormatException("config.json has no attention_types (e.g. [[[\"global\", \"local\"], "
                    + Math.max(1, layers / 2) + "]])");
        }
        if (expanded.size() != layers) {
            throw new HfFormatException("config.json attention_types expand to " + expanded.size()
                    + " layers but num_layers is " + layers);
        }
        return List.copyOf(expanded);
    }

    private static String attentionType(JsonNode t, String field) {
        if (!t.isTextual() || !ATTENTION_TYPES.contains(t.asText())) {
            throw new HfFormatException("config.json " + field + ": attention type " + t + " is not one of "
                    + ATTENTION_TYPES);
        }
        return t.asText();
    }

    private static int positive(JsonNode root, String field, Integer fallback) {
        JsonNode node = root.get(field);
        if ((node == null || node.isNull()) && fallback != null) {
            return fallback;
        }
        if (node == null || node.isNull()) {
            throw new HfFormatException("config.json has no " + field);
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt() || node.asInt() <= 0) {
            throw new HfFormatException("config.json " + field + " must be a positive integer, is " + node);
        }
        return node.asInt();
    }
}
