package org.interplab.analysis.promptlab;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Predicate;
import org.interplab.contracts.promptlab.PromptLabViews.Attribution;
import org.interplab.contracts.promptlab.PromptLabViews.HeadPattern;
import org.interplab.contracts.promptlab.PromptLabViews.Intervention;
import org.interplab.contracts.promptlab.PromptLabViews.PositionLogits;
import org.interplab.contracts.promptlab.PromptLabViews.TargetReadout;
import org.interplab.contracts.promptlab.PromptLabViews.TokenLogit;
import org.interplab.core.model.HookFn;
import org.interplab.core.model.Hooks;
import org.interplab.core.model.Transformer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a researcher does in a notebook with TransformerLens hooks, on one input: the clean run's logits, every
 * head's {@code hook_pattern}, the direct logit attribution of a target token at a position, and a run in which
 * heads are zero-ablated, mean-ablated or patched on their {@code attn.hook_z} (the head then writes
 * 0, its reference-batch mean, or what it wrote on the patch input, through W_O; the layer's b_O stays). The
 * replacements are {@link Hooks} on the model's forward pass: no weights are copied.
 */
public final class PromptLab {
    public static final String ZERO = "zero";
    public static final String MEAN = "mean";
    public static final String PATCH = "patch";
    public static final List<String> MODES = List.of(ZERO, MEAN, PATCH);
    public static final String ATTRIBUTION_NOTE = "Each component's output at the position (embeddings, each head's "
            + "z·W_O, each layer's b_O, each MLP's output) times W_U[:, target]; through ln_final (when the model has "
            + "LayerNorm) each is centred and divided by the final residual's σ at this input (frozen, as "
            + "TransformerLens's logit attribution). The components sum to the target logit minus b_U[target] and "
            + "ln_final.b·W_U[:, target].";

    private PromptLab() {
    }

    /** A head to ablate or patch: layer, head and one of {@link #MODES}. */
    public record HeadIntervention(int layer, int head, String mode) {
        public String name() {
            return "L" + layer + "H" + head;
        }

        public Intervention view() {
            return new Intervention(name(), layer, head, mode);
        }
    }

    /** The clean run of one input. */
    public record Clean(INDArray logits, List<HeadPattern> patterns, Map<String, INDArray> cache) {
    }

    /** The clean forward pass with the activations the page and the attribution need. */
    public static Clean clean(Transformer model, int[] tokens) {
        Transformer.Config c = model.config();
        String last = "blocks." + (c.nLayers() - 1) + ".hook_resid_post";
        Predicate<String> keep = n -> n.equals("hook_embed") || n.equals("hook_pos_embed") || n.equals(last)
                || n.endsWith(".attn.hook_pattern") || n.endsWith(".attn.hook_result") || n.endsWith(".hook_mlp_out");
        Map<String, INDArray> cache = model.runWithCache(new int[][] {tokens}, keep);
        List<HeadPattern> patterns = new ArrayList<>();
        for (int l = 0; l < c.nLayers(); l++) {
            INDArray p = cache.get("blocks." + l + ".attn.hook_pattern"); // [1, head, q, k]
            for (int h = 0; h < c.nHeads(); h++) {
                float[][] rows = p.get(point(0), point(h), all(), all()).castTo(DataType.FLOAT).toFloatMatrix();
                patterns.add(new HeadPattern("L" + l + "H" + h, l, h, rows));
            }
        }
        return new Clean(cache.get("logits").get(point(0), all(), all()).castTo(DataType.DOUBLE).dup('c'), patterns,
                cache);
    }

    /** Softmax of one row of logits (in double, max-subtracted). */
    static double[] softmax(double[] logits) {
        double max = Arrays.stream(logits).max().orElse(0);
        double[] p = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logits[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return p;
    }

    static double[] row(INDArray logits, int position) {
        return logits.getRow(position).toDoubleVector();
    }

    public static TargetReadout readout(INDArray logits, int position, int target) {
        double[] row = row(logits, position);
        int rank = 1;
        for (double v : row) {
            if (v > row[target]) {
                rank++;
            }
        }
        return new TargetReadout(row[target], softmax(row)[target], rank);
    }

    /** The {@code top} highest logits at every position, with their probabilities. */
    public static List<PositionLogits> topLogits(INDArray logits, int top, IntFunction<String> label) {
        List<PositionLogits> out = new ArrayList<>();
        for (int p = 0; p < logits.size(0); p++) {
            double[] row = row(logits, p);
            double[] prob = softmax(row);
            Integer[] order = new Integer[row.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> Double.compare(row[b], row[a]));
            List<TokenLogit> best = new ArrayList<>();
            for (int i = 0; i < Math.min(top, order.length); i++) {
                best.add(new TokenLogit(order[i], label.apply(order[i]), row[order[i]], prob[order[i]]));
            }
            out.add(new PositionLogits(p, best));
        }
        return out;
    }

    /** The target's attribution and the constant (b_U[t] + ln_final.b·W_U[:, t]) that completes the logit. */
    public record Attributions(List<Attribution> components, double constant) {
        public double sum() {
            return components.stream().mapToDouble(Attribution::value).sum();
        }
    }

    /**
     * Direct logit attribution of {@code target} at {@code position} from the clean run's cache: embed, pos_embed,
     * per layer every head's hook_result, b_O and (with an MLP) hook_mlp_out, each through ln_final with the final
     * residual's σ at this position frozen.
     */
    public static Attributions attribution(Transformer model, Clean clean, int position, int target) {
        Transformer.Config c = model.config();
        Map<String, INDArray> params = model.params();
        double[] u = c.tiedEmbeddings() ? params.get("embed.W_E").getRow(target).toDoubleVector()
                : params.get("unembed.W_U").getColumn(target).toDoubleVector();
        double constant = params.get("unembed.b_U").getDouble(target);
        boolean ln = c.layerNorm();
        double[] direction = u.clone();
        if (ln) {
            double[] resid = vector(clean.cache().get("blocks." + (c.nLayers() - 1) + ".hook_resid_post"), position);
            double mean = Arrays.stream(resid).average().orElse(0);
            double var = Arrays.stream(resid).map(x -> (x - mean) * (x - mean)).average().orElse(0);
            double sigma = Math.sqrt(var + c.lnEps());
            double[] w = params.get("ln_final.w").toDoubleVector();
            double[] b = params.get("ln_final.b").toDoubleVector();
            for (int i = 0; i < u.length; i++) {
                direction[i] = u[i] * w[i] / sigma;
                constant += b[i] * u[i];
            }
        }
        List<Attribution> out = new ArrayList<>();
        out.add(new Attribution("embed", "embed", -1, -1,
                project(vector(clean.cache().get("hook_embed"), position), direction, ln)));
        out.add(new Attribution("pos_embed", "pos_embed", -1, -1,
                project(vector(clean.cache().get("hook_pos_embed"), position), direction, ln)));
        for (int l = 0; l < c.nLayers(); l++) {
            INDArray result = clean.cache().get("blocks." + l + ".attn.hook_result"); // [1, pos, head, d_model]
            for (int h = 0; h < c.nHeads(); h++) {
                double[] head = result.get(point(0), point(position), point(h), all()).toDoubleVector();
                out.add(new Attribution("L" + l + "H" + h, "head", l, h, project(head, direction, ln)));
            }
            out.add(new Attribution("L" + l + " b_O", "attn_bias", l, -1,
                    project(params.get("blocks." + l + ".attn.b_O").toDoubleVector(), direction, ln)));
            if (!c.attnOnly()) {
                out.add(new Attribution("L" + l + " MLP", "mlp", l, -1,
                        project(vector(clean.cache().get("blocks." + l + ".hook_mlp_out"), position), direction, ln)));
            }
        }
        return new Attributions(out, constant);
    }

    /** Row {@code position} of a [1, pos, d] activation. */
    private static double[] vector(INDArray activation, int position) {
        return activation.get(point(0), point(position), all()).toDoubleVector();
    }

    private static double project(double[] x, double[] direction, boolean centre) {
        double mean = centre ? Arrays.stream(x).average().orElse(0) : 0;
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - mean) * direction[i];
        }
        return s;
    }

    /**
     * The hooks of the interventions, one per layer on {@code blocks.l.attn.hook_z}, composing that layer's heads:
     * zero = {@link Hooks#zeroHead}; mean = {@link Hooks#patchHead} from the head's mean z at each position over
     * {@code meanReference} (a batch of inputs of the same length, clean run); patch = {@link Hooks#patchHead}
     * from the clean run on {@code patchTokens}.
     */
    public static Map<String, HookFn> hooks(Transformer model, List<HeadIntervention> interventions,
                                            int[][] meanReference, int[] patchTokens) {
        Map<String, INDArray> meanZ = null;
        Map<String, INDArray> patchZ = null;
        Predicate<String> zOnly = n -> n.endsWith(".attn.hook_z");
        if (interventions.stream().anyMatch(i -> i.mode().equals(MEAN))) {
            meanZ = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : model.runWithCache(meanReference, zOnly).entrySet()) {
                if (zOnly.test(e.getKey())) {
                    meanZ.put(e.getKey(), e.getValue().mean(true, 0)); // [1, pos, head, d_head]
                }
            }
        }
        if (interventions.stream().anyMatch(i -> i.mode().equals(PATCH))) {
            patchZ = model.runWithCache(new int[][] {patchTokens}, zOnly);
        }
        Map<String, List<HookFn>> perHook = new LinkedHashMap<>();
        for (HeadIntervention i : interventions) {
            String hook = "blocks." + i.layer() + ".attn.hook_z";
            HookFn fn = switch (i.mode()) {
                case ZERO -> Hooks.zeroHead(i.head());
                case MEAN -> Hooks.patchHead(i.head(), meanZ.get(hook));
                case PATCH -> Hooks.patchHead(i.head(), patchZ.get(hook));
                default -> throw new IllegalArgumentException("mode must be one of " + MODES + ", was " + i.mode());
            };
            perHook.computeIfAbsent(hook, k -> new ArrayList<>()).add(fn);
        }
        Map<String, HookFn> hooks = new LinkedHashMap<>();
        perHook.forEach((hook, fns) -> hooks.put(hook, (a, name) -> {
            INDArray x = a;
            for (HookFn fn : fns) {
                INDArray replaced = fn.apply(x, name);
                x = replaced == null ? x : replaced;
            }
            return x;
        }));
        return hooks;
    }

    /** Logits [pos, d_vocab_out] of the run with the interventions. */
    public static INDArray intervened(Transformer model, int[] tokens, Map<String, HookFn> hooks) {
        return model.run(new int[][] {tokens}, hooks).get(point(0), all(), all()).castTo(DataType.DOUBLE).dup('c');
    }
}
