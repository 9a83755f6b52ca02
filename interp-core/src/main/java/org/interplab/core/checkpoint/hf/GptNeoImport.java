package org.interplab.core.checkpoint.hf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.checkpoint.SafetensorsFormatException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Imports a Hugging Face GPT-Neo model (GPTNeoForCausalLM: {@code pytorch_model.bin} or {@code model.safetensors},
 * with its {@code config.json}) under TransformerLens names and shapes, as TransformerLens's own GPT-Neo weight
 * conversion does: q/k/v_proj.weight [(head d_head), d_model] → W_Q/W_K/W_V [n_heads, d_model, d_head] with zero
 * b_Q/b_K/b_V (GPT-Neo has none); out_proj → W_O [n_heads, d_head, d_model] and b_O; c_fc → W_in [d_model, d_mlp],
 * b_in; c_proj → W_out [d_mlp, d_model], b_out; ln_1/ln_2/ln_f → ln1/ln2/ln_final; wte → W_E; wpe → W_pos;
 * lm_head (or, tied and not saved, wte)ᵀ → W_U with zero b_U. The attention mask buffers
 * ({@code attn.attention.bias}, {@code masked_bias}) are skipped: the spec's attnTypes and windowSize carry them.
 */
public final class GptNeoImport {
    /** The model and its weights, converted; {@code format} is "pytorch" or "safetensors". */
    public record Imported(GptNeoConfig config, ModelSpec model, LinkedHashMap<String, INDArray> weights,
                           String format) {
    }

    private static final byte[] ZIP_MAGIC = {'P', 'K', 3, 4};

    private GptNeoImport() {
    }

    /** Whether a state-dict name is one of GPT-Neo's non-parameter attention buffers. */
    public static boolean isBuffer(String name) {
        return name.endsWith("attn.attention.bias") || name.endsWith("attn.attention.masked_bias")
                || name.endsWith("attn.bias") || name.endsWith("attn.masked_bias");
    }

    /**
     * Reads and converts a model file (the format told by its first bytes: a zip is torch.save's, anything else is
     * read as safetensors) against its parsed config.
     *
     * @throws HfFormatException naming the defect of the file, or the tensor that is missing or mis-shaped
     */
    public static Imported read(Path modelFile, GptNeoConfig config) {
        boolean zip;
        try (InputStream in = Files.newInputStream(modelFile)) {
            zip = Arrays.equals(in.readNBytes(4), ZIP_MAGIC);
        } catch (IOException e) {
            throw new HfFormatException("cannot read the model file: " + e.getMessage(), e);
        }
        Map<String, INDArray> hf = zip ? TorchCheckpoint.read(modelFile, GptNeoImport::isBuffer)
                : readSafetensors(modelFile);
        return new Imported(config, config.toModelSpec(), convert(hf, config), zip ? "pytorch" : "safetensors");
    }

    private static Map<String, INDArray> readSafetensors(Path file) {
        byte[] bytes;
        try {
            if (Files.size(file) > Integer.MAX_VALUE - 16) {
                throw new HfFormatException("model.safetensors of " + Files.size(file) + " bytes is larger than 2 GB");
            }
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new HfFormatException("cannot read the model file: " + e.getMessage(), e);
        }
        Map<String, INDArray> tensors;
        try {
            tensors = Safetensors.read(bytes).tensors();
        } catch (SafetensorsFormatException e) {
            throw new HfFormatException("neither a zip (pytorch_model.bin) nor a valid safetensors file: "
                    + e.getMessage(), e);
        }
        Map<String, INDArray> params = new LinkedHashMap<>();
        tensors.forEach((name, t) -> {
            if (isBuffer(name)) {
                return;
            }
            if (!t.dataType().isFPType()) {
                throw new HfFormatException("tensor '" + name + "' has data type " + t.dataType()
                        + "; only float tensors are imported");
            }
            params.put(name, t.castTo(DataType.FLOAT));
        });
        return params;
    }

    /**
     * Hugging Face GPT-Neo names (with or without the {@code transformer.} prefix) to TransformerLens names and
     * shapes, float32, in TransformerLens's state-dict order.
     *
     * @throws HfFormatException for a missing, mis-shaped or unexpected tensor, naming it
     */
    public static LinkedHashMap<String, INDArray> convert(Map<String, INDArray> hf, GptNeoConfig c) {
        Map<String, INDArray> left = new LinkedHashMap<>();
        hf.forEach((name, t) -> {
            if (!isBuffer(name)) {
                left.put(name.startsWith("transformer.") ? name.substring("transformer.".length()) : name, t);
            }
        });
        long d = c.hiddenSize(), heads = c.numHeads(), dh = c.dHead(), mlp = c.intermediateSize();
        LinkedHashMap<String, INDArray> tl = new LinkedHashMap<>();
        INDArray wte = take(left, "wte.weight", c.vocabSize(), d);
        tl.put("embed.W_E", wte);
        tl.put("pos_embed.W_pos", take(left, "wpe.weight", c.maxPositions(), d));
        for (int l = 0; l < c.numLayers(); l++) {
            String h = "h." + l + ".";
            String a = h + "attn.attention.";
            String b = "blocks." + l + ".";
            tl.put(b + "ln1.w", take(left, h + "ln_1.weight", d));
            tl.put(b + "ln1.b", take(left, h + "ln_1.bias", d));
            for (String[] qkv : new String[][] {{"q_proj", "Q"}, {"k_proj", "K"}, {"v_proj", "V"}}) {
                // [(head d_head), d_model] → [d_model, head, d_head] → [head, d_model, d_head]
                INDArray w = take(left, a + qkv[0] + ".weight", heads * dh, d);
                tl.put(b + "attn.W_" + qkv[1], w.transpose().dup('c').reshape('c', d, heads, dh)
                        .permute(1, 0, 2).dup('c'));
            }
            // [d_model, (head d_head)] → [d_model, head, d_head] → [head, d_head, d_model]
            INDArray wo = take(left, a + "out_proj.weight", d, heads * dh);
            tl.put(b + "attn.W_O", wo.dup('c').reshape('c', d, heads, dh).permute(1, 2, 0).dup('c'));
            for (String bias : new String[] {"b_Q", "b_K", "b_V"}) {
                tl.put(b + "attn." + bias, Nd4j.zeros(DataType.FLOAT, heads, dh));
            }
            tl.put(b + "attn.b_O", take(left, a + "out_proj.bias", d));
            tl.put(b + "ln2.w", take(left, h + "ln_2.weight", d));
            tl.put(b + "ln2.b", take(left, h + "ln_2.bias", d));
            tl.put(b + "mlp.W_in", take(left, h + "mlp.c_fc.weight", mlp, d).transpose().dup('c'));
            tl.put(b + "mlp.b_in", take(left, h + "mlp.c_fc.bias", mlp));
            tl.put(b + "mlp.W_out", take(left, h + "mlp.c_proj.weight", d, mlp).transpose().dup('c'));
            tl.put(b + "mlp.b_out", take(left, h + "mlp.c_proj.bias", d));
        }
        tl.put("ln_final.w", take(left, "ln_f.weight", d));
        tl.put("ln_final.b", take(left, "ln_f.bias", d));
        INDArray lmHead = left.containsKey("lm_head.weight") ? take(left, "lm_head.weight", c.vocabSize(), d) : wte;
        tl.put("unembed.W_U", lmHead.transpose().dup('c'));
        tl.put("unembed.b_U", Nd4j.zeros(DataType.FLOAT, c.vocabSize()));
        if (!left.isEmpty()) {
            throw new HfFormatException("tensor '" + left.keySet().iterator().next() + "' is not part of a GPT-Neo "
                    + "model with " + c.numLayers() + " layers" + (left.size() > 1 ? " (and " + (left.size() - 1)
                    + " more: " + left.keySet() + ")" : ""));
        }
        return tl;
    }

    /** Removes and returns a tensor of the expected shape, as float32. */
    private static INDArray take(Map<String, INDArray> tensors, String name, long... shape) {
        INDArray t = tensors.remove(name);
        String hfName = name.startsWith("lm_head.") ? name : "transformer." + name;
        if (t == null) {
            throw new HfFormatException("missing tensor '" + hfName + "' (expected shape " + Arrays.toString(shape)
                    + " from config.json)");
        }
        if (!Arrays.equals(t.shape(), shape)) {
            throw new HfFormatException("tensor '" + hfName + "' has shape " + Arrays.toString(t.shape())
                    + ", config.json implies " + Arrays.toString(shape));
        }
        return t.dataType() == DataType.FLOAT ? t : t.castTo(DataType.FLOAT);
    }
}
