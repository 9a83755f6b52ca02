package org.interplab.core.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A HookedTransformer-style decoder in ND4J, forward and hand-written backward, one layer object per
 * TransformerLens module ({@link Embed}, {@link PosEmbed}, {@link Block} = {@link LayerNorm} + {@link Attention} +
 * {@link Mlp}, {@link Unembed}; the loss is {@link CrossEntropy}):
 *
 * <pre>
 * x = embed(tokens) + pos_embed                      // gather of W_E rows
 * for each block:  x = x + attn(ln1(x));  x = x + mlp(ln2(x))
 * logits = unembed(ln_final(x))                      // W_U, or W_Eᵀ when tied
 * </pre>
 *
 * <p>Parameters are held under TransformerLens names and shapes. Per layer the attention is "global" or "local"
 * (a window of {@code windowSize} keys), as TransformerLens's {@code attn_types}. GPT-Neo conventions are options:
 * no 1/√d_head ({@code useAttnScale} false), {@code gelu_new}, LayerNorm eps, tied unembedding. With tied
 * embeddings the model has no {@code unembed.W_U} parameter (W_U = W_Eᵀ); {@link #exportWeights} adds it as a copy
 * for checkpoints, since TransformerLens's state_dict always has one (b_U stays a parameter, as in TransformerLens).
 */
public final class Transformer {
    public static final double LN_EPS = 1e-5;
    /**
     * Up to this d_head the attention products run per d_head dimension as broadcast ops, not batched matmuls
     * (package-private and mutable only so that tests can compare both paths and time the old one).
     */
    static int perDimMaxDHead = org.nd4j.linalg.factory.Nd4j.getEnvironment().isCPU() ? 0 : 2;
    /**
     * Whether the attention core runs as the fused CPU kernel ({@code kernels.AttentionKernel}) where it applies; on
     * the CPU backend that replaces both the per-dimension and the batched-matmul path (measured in
     * docs/benchmarks.md). Mutable for the tests that compare the paths.
     */
    static boolean useAttentionKernel = true;
    /**
     * Whether an attention layer without hooks on its heads runs {@code kernels.QkvAttentionKernel} on the QKV
     * projection (no head split or merge; the training and evaluation path); otherwise the per-head path above.
     * Mutable for the tests that compare the paths.
     */
    static boolean useQkvKernel = true;
    /**
     * The fused CPU kernels run the attention core up to this d_head; above it, ND4J's batched matmuls. Measured
     * (docs/benchmarks.md, 2026-11-30 evening): at the addition shapes (d_head 2) the QKV kernel's core is 5.4× faster
     * than ND4J ops, at the LM's (d_head 16, 64 positions) 2.3× slower. Every toy preset has d_head ≤ 4.
     */
    static final int KERNEL_MAX_D_HEAD = 8;
    /**
     * Whether a pass that returns no logits computes only what its loss reads ({@link #lossWindow}); mutable for the
     * tests that compare it with the whole pass.
     */
    static boolean useLossWindow = true;
    /** Whether {@link #lossAndGradients} runs in the reused workspace (mutable for the same reason). */
    static boolean useStepWorkspace = true;
    /**
     * Per-thread arena for one training step's intermediates, sized by the first step it sees and grown when a
     * later step needs more (a trainer thread that ran a toy model first and then a language model): without
     * {@code REALLOCATE} the excess of every later step spills into fresh off-heap allocations, which made the LM
     * step 2.3× slower (measured: docs/benchmarks.md).
     */
    private static final String STEP_WORKSPACE_ID = "interplab-transformer-step";
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP)
            .policySpill(org.nd4j.linalg.api.memory.enums.SpillPolicy.REALLOCATE).build();

    /**
     * The architecture. {@code attnTypes} holds "global" or "local" per layer; a local layer's query at q attends
     * keys k with q − k &lt; {@code windowSize}. {@code dMlp} is 0 when attention-only.
     */
    public record Config(int nLayers, int nHeads, int dHead, int dModel, int nCtx, int dVocab, int dVocabOut,
                         int dMlp, boolean attnOnly, boolean layerNorm, boolean useAttnScale, Activation act,
                         List<String> attnTypes, int windowSize, double lnEps, boolean tiedEmbeddings) {

        public Config {
            attnTypes = List.copyOf(attnTypes);
            if (attnTypes.size() != nLayers) {
                throw new IllegalArgumentException("attnTypes has " + attnTypes.size() + " entries for " + nLayers
                        + " layers");
            }
            for (String type : attnTypes) {
                if (!"global".equals(type) && !"local".equals(type)) {
                    throw new IllegalArgumentException("attention type must be 'global' or 'local', was " + type);
                }
                if ("local".equals(type) && windowSize < 1) {
                    throw new IllegalArgumentException("a local attention layer needs windowSize ≥ 1");
                }
            }
            if (tiedEmbeddings && dVocab != dVocabOut) {
                throw new IllegalArgumentException("tied embeddings need d_vocab_out = d_vocab, were " + dVocabOut
                        + " and " + dVocab);
            }
        }

        /** The older form: {@code window} null = every layer global, else every layer local with that window. */
        public Config(int nLayers, int nHeads, int dHead, int dModel, int nCtx, int dVocab, int dVocabOut, int dMlp,
                      boolean attnOnly, boolean layerNorm, boolean useAttnScale, Activation act, Integer window) {
            this(nLayers, nHeads, dHead, dModel, nCtx, dVocab, dVocabOut, dMlp, attnOnly, layerNorm, useAttnScale,
                    act, Collections.nCopies(nLayers, window == null ? "global" : "local"),
                    window == null ? 0 : window, LN_EPS, false);
        }

        public static Config of(ModelSpec m) {
            boolean attnOnly = Boolean.TRUE.equals(m.attnOnly()) || m.dMlp() == null;
            int windowSize = m.windowSize() != null ? m.windowSize() : m.window() != null ? m.window() : 0;
            List<String> types = m.attnTypes() != null ? m.attnTypes()
                    : Collections.nCopies(m.nLayers(), m.window() != null ? "local" : "global");
            int dVocabOut = m.dVocabOut() == null ? m.dVocab() : m.dVocabOut();
            return new Config(m.nLayers(), m.nHeads(), m.dHead(), m.dModel(), m.nCtx(), m.dVocab(), dVocabOut,
                    attnOnly ? 0 : m.dMlp(), attnOnly, "LN".equals(m.normalization()),
                    m.useAttnScale() == null || m.useAttnScale(), attnOnly ? Activation.RELU : Activation.of(m.actFn()),
                    types, windowSize, m.lnEps() == null ? LN_EPS : m.lnEps(),
                    Boolean.TRUE.equals(m.tiedEmbeddings()));
        }

        /** The key window of layer l: {@code windowSize} for a local layer, 0 (global) otherwise. */
        public int windowOf(int layer) {
            return "local".equals(attnTypes.get(layer)) ? windowSize : 0;
        }
    }

    /** Loss (mean cross-entropy over the loss positions), logits [batch·n_ctx, d_vocab_out], gradients by name. */
    public record Output(double loss, INDArray logits, Map<String, INDArray> grads) {
    }

    private final Config cfg;
    private final Map<String, INDArray> params;

    /**
     * Wraps existing parameters (not copied: training updates them in place). Extra tensors are ignored (e.g. the
     * exported {@code unembed.W_U} of a tied model).
     */
    public Transformer(Config cfg, Map<String, INDArray> params) {
        this.cfg = cfg;
        this.params = params;
        shapes(cfg).forEach((name, shape) -> {
            INDArray p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException("missing weight " + name);
            }
            if (!Arrays.equals(p.shape(), shape)) {
                throw new IllegalArgumentException("weight " + name + " has shape " + Arrays.toString(p.shape())
                        + ", expected " + Arrays.toString(shape));
            }
        });
    }

    public Config config() {
        return cfg;
    }

    public Map<String, INDArray> params() {
        return params;
    }

    /** Every parameter name with its TransformerLens shape, in state_dict order (no W_U when tied). */
    public static Map<String, long[]> shapes(Config c) {
        Map<String, long[]> s = new LinkedHashMap<>();
        long d = c.dModel, h = c.nHeads, dh = c.dHead;
        s.put("embed.W_E", new long[] {c.dVocab, d});
        s.put("pos_embed.W_pos", new long[] {c.nCtx, d});
        for (int l = 0; l < c.nLayers; l++) {
            String b = "blocks." + l + ".";
            if (c.layerNorm) {
                s.put(b + "ln1.w", new long[] {d});
                s.put(b + "ln1.b", new long[] {d});
            }
            for (String w : new String[] {"W_Q", "W_K", "W_V"}) {
                s.put(b + "attn." + w, new long[] {h, d, dh});
            }
            s.put(b + "attn.W_O", new long[] {h, dh, d});
            for (String w : new String[] {"b_Q", "b_K", "b_V"}) {
                s.put(b + "attn." + w, new long[] {h, dh});
            }
            s.put(b + "attn.b_O", new long[] {d});
            if (!c.attnOnly) {
                if (c.layerNorm) {
                    s.put(b + "ln2.w", new long[] {d});
                    s.put(b + "ln2.b", new long[] {d});
                }
                s.put(b + "mlp.W_in", new long[] {d, c.dMlp});
                s.put(b + "mlp.b_in", new long[] {c.dMlp});
                s.put(b + "mlp.W_out", new long[] {c.dMlp, d});
                s.put(b + "mlp.b_out", new long[] {d});
            }
        }
        if (c.layerNorm) {
            s.put("ln_final.w", new long[] {d});
            s.put("ln_final.b", new long[] {d});
        }
        if (!c.tiedEmbeddings) {
            s.put("unembed.W_U", new long[] {d, c.dVocabOut});
        }
        s.put("unembed.b_U", new long[] {c.dVocabOut});
        return s;
    }

    /**
     * TransformerLens's default init: every weight matrix N(0, 0.8/√d_model), biases 0, LayerNorm weights 1.
     * Deterministic from the seed; arrays in ND4J's default floating-point type.
     */
    public static Map<String, INDArray> init(Config c, long seed) {
        Rng rng = new Rng(Rng.derive(seed, "transformer-init"));
        double std = 0.8 / Math.sqrt(c.dModel);
        DataType dt = Nd4j.defaultFloatingPointType();
        Map<String, INDArray> p = new LinkedHashMap<>();
        shapes(c).forEach((name, shape) -> {
            String leaf = name.substring(name.lastIndexOf('.') + 1);
            int n = Math.toIntExact(Arrays.stream(shape).reduce(1, (a, b) -> a * b));
            double[] values = new double[n];
            if (leaf.startsWith("W_")) {
                for (int i = 0; i < n; i++) {
                    values[i] = rng.nextGaussian() * std;
                }
            } else if (leaf.equals("w")) {
                Arrays.fill(values, 1.0);
            }
            p.put(name, Nd4j.create(values, shape, dt));
        });
        return p;
    }

    /**
     * Whether a state dict must hold {@code name} to run this model: weight matrices yes; biases ({@code b_*},
     * LayerNorm {@code .b}) and LayerNorm weights {@code .w} no — some imports lack them (see {@link #withDefaults}).
     */
    public static boolean isRequired(String name, Config c) {
        String leaf = name.substring(name.lastIndexOf('.') + 1);
        return !(leaf.startsWith("b_") || leaf.equals("b") || leaf.equals("w")
                || (c.tiedEmbeddings && name.equals("unembed.W_U")));
    }

    /**
     * Every parameter of the model from a state dict: the tensors as given (cast to W_E's type), absent biases as
     * zeros and absent LayerNorm weights as ones (what they mean in TransformerLens). Extra tensors are dropped.
     *
     * @throws IllegalArgumentException naming a missing required tensor
     */
    public static Map<String, INDArray> withDefaults(Config c, Map<String, INDArray> weights) {
        INDArray wE = weights.get("embed.W_E");
        if (wE == null) {
            throw new IllegalArgumentException("missing tensor embed.W_E");
        }
        DataType dt = wE.dataType();
        Map<String, INDArray> out = new LinkedHashMap<>();
        shapes(c).forEach((name, shape) -> {
            INDArray w = weights.get(name);
            if (w == null && isRequired(name, c)) {
                throw new IllegalArgumentException("missing tensor " + name + ", expected shape "
                        + Arrays.toString(shape));
            }
            out.put(name, w == null ? (name.endsWith(".w") ? Nd4j.ones(dt, shape) : Nd4j.zeros(dt, shape))
                    : w.castTo(dt));
        });
        return out;
    }

    /**
     * The tensors a checkpoint holds: the parameters, plus {@code unembed.W_U} = W_Eᵀ (a c-order copy) for a tied
     * model, so that TransformerLens's HookedTransformer and the circuit tables find it.
     */
    public static Map<String, INDArray> exportWeights(Config c, Map<String, INDArray> params) {
        Map<String, INDArray> out = new LinkedHashMap<>(params);
        if (c.tiedEmbeddings) {
            out.put("unembed.W_U", params.get("embed.W_E").transpose().dup('c'));
        }
        return out;
    }

    /**
     * Every hook name of this model, in forward order: {@code hook_embed}, {@code hook_pos_embed}, per block
     * {@code blocks.l.hook_resid_pre}, {@code attn.hook_q/k/v} [batch, pos, head, d_head], {@code attn.hook_pattern}
     * [batch, head, query_pos, key_pos], {@code attn.hook_z} [batch, pos, head, d_head], {@code attn.hook_result}
     * [batch, pos, head, d_model], {@code hook_attn_out}, (with an MLP) {@code hook_resid_mid}, {@code mlp.hook_pre},
     * {@code mlp.hook_post} [batch, pos, d_mlp], {@code hook_mlp_out}, then {@code hook_resid_post}; residual hooks
     * are [batch, pos, d_model].
     */
    public static List<String> hookNames(Config c) {
        List<String> names = new ArrayList<>(List.of("hook_embed", "hook_pos_embed"));
        for (int l = 0; l < c.nLayers; l++) {
            String b = "blocks." + l + ".";
            names.add(b + "hook_resid_pre");
            for (String a : new String[] {"hook_q", "hook_k", "hook_v", "hook_pattern", "hook_z", "hook_result"}) {
                names.add(b + "attn." + a);
            }
            names.add(b + "hook_attn_out");
            if (!c.attnOnly) {
                names.addAll(List.of(b + "hook_resid_mid", b + "mlp.hook_pre", b + "mlp.hook_post",
                        b + "hook_mlp_out"));
            }
            names.add(b + "hook_resid_post");
        }
        return names;
    }

    /** Logits [batch, n_ctx, d_vocab_out]. */
    public INDArray logits(int[][] tokens) {
        return run(tokens, Map.of());
    }

    /**
     * A forward pass in which hooks replace activations (TransformerLens's {@code run_with_hooks}): zero or mean
     * ablation, patching from another run's cache, per head via {@link Hooks}. No weights are copied. Forward only:
     * gradients are never taken through replaced activations. Returns the logits [batch, pos, d_vocab_out].
     *
     * @throws IllegalArgumentException for a hook name the model does not have (see {@link #hookNames})
     */
    public INDArray run(int[][] tokens, Map<String, HookFn> hooks) {
        Run r = newRun(tokens, hooks, null);
        return forward(r, tokens).logits.reshape(tokens.length, tokens[0].length, cfg.dVocabOut);
    }

    /**
     * The forward pass with TransformerLens's activation cache: {@code logits} [batch, pos, d_vocab_out] and every
     * hook of {@link #hookNames}, each a fresh c-order copy. E.g. {@code blocks.l.attn.hook_pattern} is the softmax
     * over key_pos (0 where masked); {@code blocks.l.attn.hook_result} holds each head's output z_h·W_O[h] (the
     * attention output is Σ_h hook_result + b_O); {@code blocks.l.mlp.hook_pre} / {@code hook_post} are before and
     * after the activation.
     */
    public Map<String, INDArray> runWithCache(int[][] tokens) {
        return runWithCache(tokens, name -> true);
    }

    /**
     * As {@link #runWithCache(int[][])}, keeping only the hooks whose names pass {@code keep} ({@code logits} is
     * always there). hook_result is the big one (batch·pos·head·d_model) and is computed only when kept.
     */
    public Map<String, INDArray> runWithCache(int[][] tokens, Predicate<String> keep) {
        return runWithCache(tokens, keep, Map.of());
    }

    /**
     * Cache and replacement hooks in one forward pass: the cache holds each kept activation as the model went on
     * with it (after its hook's replacement). Forward only.
     */
    public Map<String, INDArray> runWithCache(int[][] tokens, Predicate<String> keep, Map<String, HookFn> hooks) {
        Run r = newRun(tokens, hooks, keep);
        INDArray logits = forward(r, tokens).logits;
        Map<String, INDArray> cache = new LinkedHashMap<>();
        cache.put("logits", logits.reshape(tokens.length, tokens[0].length, cfg.dVocabOut).dup('c'));
        cache.putAll(r.cache);
        return cache;
    }

    /**
     * Runs {@code work} (forward passes, no gradients) in this thread's step workspace: the pass's intermediate arrays
     * reuse one block of off-heap memory from call to call instead of fresh allocations, which cost more than the
     * ops on them at LM sizes (measured: docs/benchmarks.md, Neuroscope scan). Arrays allocated inside must not be
     * used after it returns: copy what you keep to the Java heap.
     */
    public static <T> T inStepWorkspace(java.util.function.Supplier<T> work) {
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE,
                STEP_WORKSPACE_ID)) {
            return work.get();
        }
    }

    /**
     * Loss and logits only (evaluation): the training step's forward code, in the step workspace (the logits are
     * returned as a detached copy).
     */
    public Output loss(TokenBatch batch) {
        return useStepWorkspace ? inStepWorkspace(() -> evaluate(batch, true, false))
                : evaluate(batch, false, false);
    }

    /**
     * The loss alone, as {@link #loss} computes it, without copying the logits out of the step workspace (for an LM
     * that copy is a fresh vocabulary-sized array per call, longer than the fused loss pass itself).
     */
    public double lossValue(TokenBatch batch) {
        return useStepWorkspace ? inStepWorkspace(() -> evaluate(batch, false, true)).loss()
                : evaluate(batch, false, true).loss();
    }

    /** {@code lossOnly}: the logits are not read ({@link #lossWindow}). */
    private Output evaluate(TokenBatch batch, boolean detachLogits, boolean lossOnly) {
        LossWindow w = lossWindow(batch, lossOnly);
        INDArray logits = forward(w.run(this, false), w.batch().tokens()).logits;
        double loss = CrossEntropy.of(logits, w.batch().targets(), false).loss();
        return new Output(loss, detachLogits ? logits.detach() : logits, Map.of());
    }

    /**
     * Loss, logits and the gradient of the loss with respect to every parameter. The intermediates live in a
     * per-thread ND4J workspace that is reused from step to step (fresh off-heap arrays of the attention's size
     * cost more than the ops on them); the returned logits and gradients are detached copies.
     */
    public Output lossAndGradients(TokenBatch batch) {
        return lossAndGradients(batch, true);
    }

    /** As {@link #lossAndGradients(TokenBatch)}; without {@code keepLogits} the output's logits are null. */
    public Output lossAndGradients(TokenBatch batch, boolean keepLogits) {
        return lossAndGradients(batch, keepLogits, null);
    }

    /**
     * As {@link #lossAndGradients(TokenBatch, boolean)}, with the gradients copied into {@code gradsInto}: a map
     * the caller keeps from step to step, filled with arrays outside any workspace on first use and overwritten on
     * every later call (the returned output's grads are those arrays). A training loop passes one so that no
     * parameter-sized array is allocated per step: fresh off-heap ND4J buffers cost far more than the copy into
     * them (for an LM they were half the step, measured: docs/benchmarks.md). {@code null}: fresh copies.
     */
    public Output lossAndGradients(TokenBatch batch, boolean keepLogits, Map<String, INDArray> gradsInto) {
        LossWindow w = lossWindow(batch, !keepLogits);
        if (!useStepWorkspace) {
            Pass p = forward(w.run(this, true), w.batch().tokens());
            CrossEntropy.Result ce = CrossEntropy.of(p.logits, w.batch().targets(), true);
            return new Output(ce.loss(), keepLogits ? p.logits : null, into(backward(p, ce), gradsInto));
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE,
                STEP_WORKSPACE_ID)) {
            Pass p = forward(w.run(this, true), w.batch().tokens());
            INDArray logits = keepLogits ? p.logits.detach() : null;
            CrossEntropy.Result ce = CrossEntropy.of(p.logits, w.batch().targets(), true, true);
            return new Output(ce.loss(), logits, into(backward(p, ce), gradsInto));
        }
    }

    /** The gradients detached (fresh arrays), or assigned into the caller's reused arrays. */
    private static Map<String, INDArray> into(Map<String, INDArray> grads, Map<String, INDArray> gradsInto) {
        if (gradsInto == null) {
            Map<String, INDArray> detached = new LinkedHashMap<>();
            grads.forEach((name, grad) -> detached.put(name, grad.detach()));
            return detached;
        }
        try (MemoryWorkspace outside = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            grads.forEach((name, grad) -> {
                INDArray dst = gradsInto.get(name);
                if (dst == null || !java.util.Arrays.equals(dst.shape(), grad.shape())
                        || dst.dataType() != grad.dataType()) {
                    dst = Nd4j.createUninitialized(grad.dataType(), grad.shape());
                    gradsInto.put(name, dst);
                }
                dst.assign(grad);
            });
        }
        return gradsInto;
    }

    /**
     * What a pass whose logits nobody reads must compute for its loss: {@code batch} cut after the last position
     * that has a target (a causal model's outputs up to there do not depend on later tokens) and {@code outFrom},
     * the first position that has one, from which on the last block computes its output rows (the rows before it
     * feed no loss); the targets are those of positions outFrom … last. For seed 001's addition (loss on the 7
     * answer digits of 19 positions) that skips one position everywhere and 11 queries of the last layer: its
     * output projection, unembedding and loss run on 7 of 19 rows, the attention core on the answer queries only.
     * Without {@code trim} (or {@link #useLossWindow} off, or no target at all): the batch as it is, outFrom 0.
     */
    record LossWindow(TokenBatch batch, int outFrom) {
        Run run(Transformer model, boolean withBackward) {
            Run r = model.newRun(batch.tokens(), Map.of(), null);
            r.outFrom = outFrom;
            r.withBackward = withBackward;
            return r;
        }
    }

    static LossWindow lossWindow(TokenBatch batch, boolean trim) {
        int first = Integer.MAX_VALUE, last = -1, ctx = batch.nCtx();
        for (int[] y : batch.targets()) {
            for (int p = 0; p < y.length; p++) {
                if (y[p] != TokenBatch.NO_LOSS) {
                    first = Math.min(first, p);
                    last = Math.max(last, p);
                }
            }
        }
        if (!trim || !useLossWindow || last < 0 || (first == 0 && last == ctx - 1)) {
            return new LossWindow(batch, 0);
        }
        int n = batch.size(), len = last + 1;
        int[][] tokens = new int[n][];
        int[][] targets = new int[n][];
        for (int i = 0; i < n; i++) {
            tokens[i] = len == ctx ? batch.tokens()[i] : Arrays.copyOf(batch.tokens()[i], len);
            targets[i] = Arrays.copyOfRange(batch.targets()[i], first, len);
        }
        return new LossWindow(new TokenBatch(tokens, targets), first);
    }

    // ---------------------------------------------------------------- the pass

    private Run newRun(int[][] tokens, Map<String, HookFn> hooks, Predicate<String> keep) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("empty batch");
        }
        if (!hooks.isEmpty()) {
            List<String> known = hookNames(cfg);
            for (String name : hooks.keySet()) {
                if (!known.contains(name)) {
                    throw new IllegalArgumentException("no hook named " + name + " in this model");
                }
            }
        }
        return new Run(tokens.length, tokens[0].length, hooks, keep);
    }

    /** The layers of one pass (they keep what their backward needs) and its logits [batch·pos, d_vocab_out]. */
    private static final class Pass {
        final Run run;
        Embed embed;
        PosEmbed posEmbed;
        final List<Block> blocks = new ArrayList<>();
        Layer lnFinal;
        Unembed unembed;
        INDArray logits;

        Pass(Run run) {
            this.run = run;
        }
    }

    private Pass forward(Run r, int[][] tokens) {
        if (r.ctx > cfg.nCtx) {
            throw new IllegalArgumentException("sequence length " + r.ctx + " exceeds n_ctx " + cfg.nCtx);
        }
        Pass p = new Pass(r);
        p.embed = new Embed(r, params.get("embed.W_E"));
        p.posEmbed = new PosEmbed(r, params.get("pos_embed.W_pos"));
        for (int l = 0; l < cfg.nLayers; l++) {
            p.blocks.add(new Block(r, l, params, cfg));
        }
        p.lnFinal = Block.norm(r, "ln_final", params, cfg);
        p.unembed = new Unembed(r, params.get(cfg.tiedEmbeddings ? "embed.W_E" : "unembed.W_U"),
                params.get("unembed.b_U"), cfg.tiedEmbeddings);

        INDArray x = p.posEmbed.addTo(p.embed.forward(tokens));
        for (int l = 0; l < p.blocks.size(); l++) {
            x = p.blocks.get(l).forward(x, l == p.blocks.size() - 1); // the last block: only rows that are read
        }
        p.logits = p.unembed.forward(p.lnFinal.forward(x));
        return p;
    }

    private Map<String, INDArray> backward(Pass p, CrossEntropy.Result loss) {
        INDArray dx = p.lnFinal.backward(p.unembed.backward(loss.dLogits(), loss.dBias()));
        for (int l = p.blocks.size() - 1; l >= 0; l--) {
            dx = p.blocks.get(l).backward(dx);
        }
        p.posEmbed.backward(dx);
        p.embed.backward(dx);
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        shapes(cfg).forEach((name, shape) -> ordered.put(name, p.run.grads.get(name).reshape(shape)));
        return ordered;
    }
}
