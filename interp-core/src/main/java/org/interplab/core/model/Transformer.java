package org.interplab.core.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.core.task.Rng;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A HookedTransformer-style decoder in plain ND4J ops, forward and hand-written backward.
 *
 * <p>resid = W_E[tokens] + W_pos; per block: [ln1] → attention (q = x·W_Q[h] + b_Q[h], …, scores q·kᵀ scaled by
 * 1/√d_head when useAttnScale, causal mask, optional local window, softmax, z = pattern·v, out = Σ_h z_h·W_O[h] +
 * b_O) added to resid; unless attnOnly, [ln2] → MLP (W_in, b_in, act, W_out, b_out) added to resid; [ln_final];
 * logits = x·W_U + b_U. Parameters are held under TransformerLens names and shapes. For speed the heads are merged
 * into one [d_model, 3·n_heads·d_head] QKV GEMM and the attention runs as batched 3-D matmuls over batch×heads.
 */
public final class Transformer {
    public static final double LN_EPS = 1e-5;
    /** Added to masked scores; exp underflows to exactly 0 in float32 and float64. */
    private static final double MASKED = -1e9;
    /**
     * Up to this d_head the attention products run per d_head dimension as broadcast ops, not batched matmuls
     * (package-private and mutable only so that tests can compare both paths and time the old one).
     */
    static int perDimMaxDHead = 2;
    /** Whether {@link #lossAndGradients} runs in the reused workspace (mutable for the same reason). */
    static boolean useStepWorkspace = true;
    /** Per-thread arena for one training step's intermediates, sized by the first step it sees. */
    private static final String STEP_WORKSPACE_ID = "interplab-transformer-step";
    private static final WorkspaceConfiguration STEP_WORKSPACE = WorkspaceConfiguration.builder()
            .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.FIRST_LOOP).build();

    public record Config(int nLayers, int nHeads, int dHead, int dModel, int nCtx, int dVocab, int dVocabOut,
                         int dMlp, boolean attnOnly, boolean layerNorm, boolean useAttnScale, Activation act,
                         Integer window) {

        public static Config of(ModelSpec m) {
            boolean attnOnly = Boolean.TRUE.equals(m.attnOnly()) || m.dMlp() == null;
            return new Config(m.nLayers(), m.nHeads(), m.dHead(), m.dModel(), m.nCtx(), m.dVocab(), m.dVocabOut(),
                    attnOnly ? 0 : m.dMlp(), attnOnly, "LN".equals(m.normalization()),
                    m.useAttnScale() == null || m.useAttnScale(), attnOnly ? Activation.RELU : Activation.of(m.actFn()),
                    m.window());
        }

        int headDims() {
            return nHeads * dHead;
        }
    }

    /** Loss (mean cross-entropy over the loss positions), logits [batch·n_ctx, d_vocab_out], gradients by name. */
    public record Output(double loss, INDArray logits, Map<String, INDArray> grads) {
    }

    private final Config cfg;
    private final Map<String, INDArray> params;

    /** Wraps existing parameters (not copied: training updates them in place). */
    public Transformer(Config cfg, Map<String, INDArray> params) {
        this.cfg = cfg;
        this.params = params;
        shapes(cfg).forEach((name, shape) -> {
            INDArray p = params.get(name);
            if (p == null) {
                throw new IllegalArgumentException("missing weight " + name);
            }
            if (!java.util.Arrays.equals(p.shape(), shape)) {
                throw new IllegalArgumentException("weight " + name + " has shape "
                        + java.util.Arrays.toString(p.shape()) + ", expected " + java.util.Arrays.toString(shape));
            }
        });
    }

    public Config config() {
        return cfg;
    }

    public Map<String, INDArray> params() {
        return params;
    }

    /** Every parameter name with its TransformerLens shape, in state_dict order. */
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
        s.put("unembed.W_U", new long[] {d, c.dVocabOut});
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
            int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
            double[] values = new double[n];
            if (leaf.startsWith("W_")) {
                for (int i = 0; i < n; i++) {
                    values[i] = rng.nextGaussian() * std;
                }
            } else if (leaf.equals("w")) {
                java.util.Arrays.fill(values, 1.0);
            }
            p.put(name, Nd4j.create(values, shape, dt));
        });
        return p;
    }

    /** Logits [batch, n_ctx, d_vocab_out]. */
    public INDArray logits(int[][] tokens) {
        Forward f = forward(tokens);
        return f.logits.reshape(tokens.length, tokens[0].length, cfg.dVocabOut);
    }

    /**
     * The forward pass with TransformerLens's activation cache: {@code logits} [batch, pos, d_vocab_out] and, per
     * layer l, {@code blocks.l.attn.hook_pattern} [batch, head, query_pos, key_pos] (softmax over key_pos, 0 where
     * masked), {@code blocks.l.attn.hook_z} [batch, pos, head, d_head], {@code blocks.l.attn.hook_result} [batch,
     * pos, head, d_model] (each head's output z_h·W_O[h]; the attention output is Σ_h hook_result + b_O) and, with
     * an MLP, {@code blocks.l.mlp.hook_pre} and {@code blocks.l.mlp.hook_post} [batch, pos, d_mlp] (before and
     * after the activation). Every array is a fresh c-order copy.
     */
    public Map<String, INDArray> runWithCache(int[][] tokens) {
        return runWithCache(tokens, name -> true);
    }

    /**
     * As {@link #runWithCache(int[][])}, keeping only the hooks whose names pass {@code keep} ({@code logits} is
     * always there). hook_result is the big one (batch·pos·head·d_model): leave it out when it is not needed.
     */
    public Map<String, INDArray> runWithCache(int[][] tokens, java.util.function.Predicate<String> keep) {
        Forward f = forward(tokens);
        int bsz = f.batch, t = f.ctx, h = cfg.nHeads, dh = cfg.dHead, d = cfg.dModel;
        Map<String, INDArray> cache = new LinkedHashMap<>();
        cache.put("logits", f.logits.reshape(bsz, t, cfg.dVocabOut).dup('c'));
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = "blocks." + l + ".";
            BlockCache c = f.blocks.get(l);
            if (keep.test(b + "attn.hook_pattern")) {
                cache.put(b + "attn.hook_pattern", c.pattern.reshape(bsz, h, t, t).dup('c'));
            }
            if (keep.test(b + "attn.hook_z")) {
                cache.put(b + "attn.hook_z", c.z.reshape(bsz, t, h, dh).dup('c'));
            }
            if (keep.test(b + "attn.hook_result")) {
                // [batch·pos, head, d_head] → [head, batch·pos, d_head], times W_O[h] → [head, batch·pos, d_model]
                INDArray zHeads = c.z.reshape((long) bsz * t, h, dh).permute(1, 0, 2).dup('c');
                INDArray result = Nd4j.matmul(zHeads, p(b + "attn.W_O"));
                cache.put(b + "attn.hook_result", result.reshape(h, bsz, t, d).permute(1, 2, 0, 3).dup('c'));
            }
            if (!cfg.attnOnly) {
                if (keep.test(b + "mlp.hook_pre")) {
                    cache.put(b + "mlp.hook_pre", c.mlpPre.reshape(bsz, t, cfg.dMlp).dup('c'));
                }
                if (keep.test(b + "mlp.hook_post")) {
                    cache.put(b + "mlp.hook_post", c.mlpPost.reshape(bsz, t, cfg.dMlp).dup('c'));
                }
            }
        }
        return cache;
    }

    /** Loss and logits only (evaluation). */
    public Output loss(TokenBatch batch) {
        Forward f = forward(batch.tokens());
        return new Output(lossTerms(f, batch.targets()).loss, f.logits, Map.of());
    }

    /**
     * Loss, logits and the gradient of the loss with respect to every parameter. The intermediates live in a
     * per-thread ND4J workspace that is reused from step to step (fresh off-heap arrays of the attention's size
     * cost more than the ops on them); the returned logits and gradients are detached copies.
     */
    public Output lossAndGradients(TokenBatch batch) {
        if (!useStepWorkspace) {
            Forward f = forward(batch.tokens());
            LossTerms lt = lossTerms(f, batch.targets());
            return new Output(lt.loss, f.logits, backward(f, lt.dLogits));
        }
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(STEP_WORKSPACE,
                STEP_WORKSPACE_ID)) {
            Forward f = forward(batch.tokens());
            LossTerms lt = lossTerms(f, batch.targets());
            Map<String, INDArray> grads = backward(f, lt.dLogits);
            Map<String, INDArray> detached = new LinkedHashMap<>();
            grads.forEach((name, grad) -> detached.put(name, grad.detach()));
            return new Output(lt.loss, f.logits.detach(), detached);
        }
    }

    // ---------------------------------------------------------------- forward

    private static final class LnCache {
        INDArray xhat;
        INDArray invStd;
    }

    private static final class BlockCache {
        /** q, k, v are [d_head, batch·head, pos] (per-dimension path) rather than [batch·head, pos, d_head]. */
        boolean perDim;
        LnCache ln1;
        LnCache ln2;
        INDArray attnIn;
        INDArray wQkv;
        INDArray q;
        INDArray k;
        INDArray v;
        INDArray pattern;
        INDArray z;
        INDArray mlpIn;
        INDArray mlpPre;
        INDArray mlpPost;
    }

    private static final class Forward {
        int batch;
        int ctx;
        INDArray oneHot;
        List<BlockCache> blocks = new ArrayList<>();
        LnCache lnFinal;
        INDArray finalResid;
        INDArray logits;
    }

    private INDArray p(String name) {
        return params.get(name);
    }

    private Forward forward(int[][] tokens) {
        Forward f = new Forward();
        f.batch = tokens.length;
        f.ctx = tokens[0].length;
        if (f.ctx > cfg.nCtx) {
            throw new IllegalArgumentException("sequence length " + f.ctx + " exceeds n_ctx " + cfg.nCtx);
        }
        int n = f.batch * f.ctx, d = cfg.dModel;
        DataType dt = p("embed.W_E").dataType();
        f.oneHot = oneHot(tokens, cfg.dVocab, dt);
        INDArray resid = f.oneHot.mmul(p("embed.W_E"));
        resid = resid.reshape(f.batch, (long) f.ctx * d).addiRowVector(positions(f.ctx)).reshape(n, d);
        for (int l = 0; l < cfg.nLayers; l++) {
            String b = "blocks." + l + ".";
            BlockCache c = new BlockCache();
            f.blocks.add(c);
            INDArray x = resid;
            if (cfg.layerNorm) {
                c.ln1 = new LnCache();
                x = layerNorm(resid, p(b + "ln1.w"), p(b + "ln1.b"), c.ln1);
            }
            resid = resid.add(attention(x, b, f, c));
            if (!cfg.attnOnly) {
                INDArray y = resid;
                if (cfg.layerNorm) {
                    c.ln2 = new LnCache();
                    y = layerNorm(resid, p(b + "ln2.w"), p(b + "ln2.b"), c.ln2);
                }
                c.mlpIn = y;
                c.mlpPre = y.mmul(p(b + "mlp.W_in")).addiRowVector(p(b + "mlp.b_in"));
                c.mlpPost = cfg.act.apply(c.mlpPre);
                resid = resid.add(c.mlpPost.mmul(p(b + "mlp.W_out")).addiRowVector(p(b + "mlp.b_out")));
            }
        }
        if (cfg.layerNorm) {
            f.lnFinal = new LnCache();
            resid = layerNorm(resid, p("ln_final.w"), p("ln_final.b"), f.lnFinal);
        }
        f.finalResid = resid;
        f.logits = resid.mmul(p("unembed.W_U")).addiRowVector(p("unembed.b_U"));
        return f;
    }

    private INDArray positions(int ctx) {
        INDArray wPos = p("pos_embed.W_pos");
        if (ctx < cfg.nCtx) {
            wPos = wPos.get(interval(0, ctx), all()).dup('c');
        }
        return wPos.reshape(1, (long) ctx * cfg.dModel);
    }

    private INDArray attention(INDArray x, String b, Forward f, BlockCache c) {
        int bh = f.batch * cfg.nHeads, t = f.ctx, h = cfg.nHeads, dh = cfg.dHead;
        c.attnIn = x;
        c.wQkv = Nd4j.concat(1, mergeHeads(p(b + "attn.W_Q")), mergeHeads(p(b + "attn.W_K")),
                mergeHeads(p(b + "attn.W_V")));
        INDArray bQkv = Nd4j.concat(1, p(b + "attn.b_Q").reshape(1, cfg.headDims()),
                p(b + "attn.b_K").reshape(1, cfg.headDims()), p(b + "attn.b_V").reshape(1, cfg.headDims()));
        INDArray qkv = x.mmul(c.wQkv).addiRowVector(bQkv);
        c.perDim = dh <= perDimMaxDHead;
        INDArray scores;
        if (c.perDim) {
            // [batch·pos, 3·head·d_head] → [3, d_head, batch·head, pos]: per d_head dimension j, scores are a sum of
            // broadcast outer products q_j[.., q, 1]·k_j[.., 1, k] (thousands of 2-wide matmuls cost more)
            INDArray heads = qkv.reshape(f.batch, t, 3, h, dh).permute(2, 4, 0, 3, 1).dup('c')
                    .reshape(3, dh, bh, t);
            c.q = heads.slice(0);
            c.k = heads.slice(1);
            c.v = heads.slice(2);
            scores = outerSum(c.q, c.k, bh, t);
        } else {
            // [batch·pos, 3·head·d_head] → [3, batch·head, pos, d_head]
            INDArray heads = qkv.reshape(f.batch, t, 3, h, dh).permute(2, 0, 3, 1, 4).dup('c')
                    .reshape(3, bh, t, dh);
            c.q = heads.slice(0);
            c.k = heads.slice(1);
            c.v = heads.slice(2);
            scores = Nd4j.matmul(c.q, c.k, false, true, false);
        }
        if (cfg.useAttnScale) {
            scores.muli(1.0 / Math.sqrt(dh));
        }
        INDArray flat = scores.reshape((long) bh, (long) t * t).addiRowVector(mask(t, scores.dataType()));
        INDArray rows = flat.reshape((long) bh * t, t);
        c.pattern = Nd4j.exec(new SoftMax(rows, rows.ulike(), 1))[0].reshape(bh, t, t);
        if (c.perDim) {
            // z_j[.., q] = Σ_k pattern[.., q, k]·v_j[.., k]; [d_head, batch, head, pos] → [batch, pos, head, d_head]
            INDArray z = weightedSum(c.pattern, c.v, bh, t, 2);
            c.z = z.reshape(dh, f.batch, h, t).permute(1, 3, 2, 0).dup('c')
                    .reshape((long) f.batch * t, cfg.headDims());
        } else {
            INDArray z = Nd4j.matmul(c.pattern, c.v);
            c.z = z.reshape(f.batch, h, t, dh).permute(0, 2, 1, 3).dup('c')
                    .reshape((long) f.batch * t, cfg.headDims());
        }
        INDArray wO = p(b + "attn.W_O").reshape(cfg.headDims(), cfg.dModel);
        return c.z.mmul(wO).addiRowVector(p(b + "attn.b_O"));
    }

    /** Σ_j a_j[.., q, 1]·b_j[.., 1, k] for a, b [d_head, n, t] → [n, t, t]. */
    private static INDArray outerSum(INDArray a, INDArray b, int n, int t) {
        INDArray acc = a.slice(0).reshape(n, t, 1).mul(b.slice(0).reshape(n, 1, t));
        for (int j = 1; j < a.size(0); j++) {
            acc.addi(a.slice(j).reshape(n, t, 1).mul(b.slice(j).reshape(n, 1, t)));
        }
        return acc;
    }

    /**
     * For m [n, t, t] and v [d_head, n, t]: axis 2 gives out_j[.., q] = Σ_k m[.., q, k]·v_j[.., k]; axis 1 gives
     * out_j[.., k] = Σ_q m[.., q, k]·v_j[.., q]. Result [d_head, n, t].
     */
    private static INDArray weightedSum(INDArray m, INDArray v, int n, int t, int axis) {
        int dh = (int) v.size(0);
        INDArray out = Nd4j.create(m.dataType(), dh, n, t);
        for (int j = 0; j < dh; j++) {
            INDArray vj = axis == 2 ? v.slice(j).reshape(n, 1, t) : v.slice(j).reshape(n, t, 1);
            out.slice(j).assign(m.mul(vj).sum(axis));
        }
        return out;
    }

    /** Additive mask [1, t·t]: 0 where query q may attend key k (k ≤ q, and q − k < window if local). */
    private INDArray mask(int t, DataType dt) {
        double[] m = new double[t * t];
        for (int q = 0; q < t; q++) {
            for (int k = 0; k < t; k++) {
                boolean allowed = k <= q && (cfg.window == null || q - k < cfg.window);
                m[q * t + k] = allowed ? 0 : MASKED;
            }
        }
        return Nd4j.create(m, new long[] {1, (long) t * t}, dt);
    }

    /** [n_heads, d_model, d_head] → [d_model, n_heads·d_head], column h·d_head + j. */
    private static INDArray mergeHeads(INDArray w) {
        return w.permute(1, 0, 2).dup('c').reshape(w.size(1), w.size(0) * w.size(2));
    }

    /** [d_model, n_heads·d_head] → [n_heads, d_model, d_head]. */
    private static INDArray splitHeads(INDArray merged, int nHeads, int dHead) {
        return merged.dup('c').reshape(merged.size(0), nHeads, dHead).permute(1, 0, 2).dup('c');
    }

    static INDArray oneHot(int[][] tokens, int vocab, DataType dt) {
        int t = tokens[0].length;
        double[] v = new double[tokens.length * t * vocab];
        for (int i = 0; i < tokens.length; i++) {
            for (int p = 0; p < t; p++) {
                int tok = tokens[i][p];
                if (tok < 0 || tok >= vocab) {
                    throw new IllegalArgumentException("token " + tok + " outside vocabulary of " + vocab);
                }
                v[(i * t + p) * vocab + tok] = 1;
            }
        }
        return Nd4j.create(v, new long[] {(long) tokens.length * t, vocab}, dt);
    }

    private static INDArray layerNorm(INDArray x, INDArray w, INDArray b, LnCache c) {
        INDArray centered = x.subColumnVector(x.mean(true, 1));
        INDArray var = centered.mul(centered).mean(true, 1);
        c.invStd = Transforms.pow(var.addi(LN_EPS), -0.5, false);
        c.xhat = centered.muliColumnVector(c.invStd);
        return c.xhat.mulRowVector(w).addiRowVector(b);
    }

    // ---------------------------------------------------------------- loss

    private record LossTerms(double loss, INDArray dLogits) {
    }

    /** Mean cross-entropy over all (sequence, position) pairs with a target; gradient w.r.t. the logits. */
    private LossTerms lossTerms(Forward f, int[][] targets) {
        int n = f.batch * f.ctx, vOut = cfg.dVocabOut;
        double[] target = new double[n * vOut];
        double[] rowWeight = new double[n];
        int count = 0;
        for (int[] row : targets) {
            for (int y : row) {
                if (y != TokenBatch.NO_LOSS) {
                    count++;
                }
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch has no loss positions");
        }
        for (int i = 0; i < f.batch; i++) {
            for (int p = 0; p < f.ctx; p++) {
                int y = targets[i][p];
                if (y != TokenBatch.NO_LOSS) {
                    target[(i * f.ctx + p) * vOut + y] = 1.0 / count;
                    rowWeight[i * f.ctx + p] = 1.0 / count;
                }
            }
        }
        DataType dt = f.logits.dataType();
        INDArray targetW = Nd4j.create(target, new long[] {n, vOut}, dt);
        INDArray shifted = f.logits.subColumnVector(f.logits.max(true, 1));
        INDArray lse = Transforms.log(Transforms.exp(shifted, true).sum(true, 1), false);
        INDArray logProbs = shifted.subiColumnVector(lse);
        double loss = -logProbs.mul(targetW).sumNumber().doubleValue();
        INDArray dLogits = Transforms.exp(logProbs, false)
                .muliColumnVector(Nd4j.create(rowWeight, new long[] {n, 1}, dt)).subi(targetW);
        return new LossTerms(loss, dLogits);
    }

    // ---------------------------------------------------------------- backward

    private Map<String, INDArray> backward(Forward f, INDArray dLogits) {
        Map<String, INDArray> g = new LinkedHashMap<>();
        g.put("unembed.W_U", f.finalResid.transpose().mmul(dLogits));
        g.put("unembed.b_U", dLogits.sum(0));
        INDArray dResid = dLogits.mmul(p("unembed.W_U").transpose());
        if (cfg.layerNorm) {
            dResid = layerNormBackward(dResid, p("ln_final.w"), f.lnFinal, g, "ln_final");
        }
        for (int l = cfg.nLayers - 1; l >= 0; l--) {
            String b = "blocks." + l + ".";
            BlockCache c = f.blocks.get(l);
            if (!cfg.attnOnly) {
                g.put(b + "mlp.W_out", c.mlpPost.transpose().mmul(dResid));
                g.put(b + "mlp.b_out", dResid.sum(0));
                INDArray dPre = dResid.mmul(p(b + "mlp.W_out").transpose()).muli(cfg.act.derivative(c.mlpPre));
                g.put(b + "mlp.W_in", c.mlpIn.transpose().mmul(dPre));
                g.put(b + "mlp.b_in", dPre.sum(0));
                INDArray dIn = dPre.mmul(p(b + "mlp.W_in").transpose());
                if (cfg.layerNorm) {
                    dIn = layerNormBackward(dIn, p(b + "ln2.w"), c.ln2, g, b + "ln2");
                }
                dResid = dResid.add(dIn);
            }
            INDArray dIn = attentionBackward(dResid, b, f, c, g);
            if (cfg.layerNorm) {
                dIn = layerNormBackward(dIn, p(b + "ln1.w"), c.ln1, g, b + "ln1");
            }
            dResid = dResid.add(dIn);
        }
        g.put("embed.W_E", f.oneHot.transpose().mmul(dResid));
        INDArray dPos = dResid.reshape(f.batch, (long) f.ctx * cfg.dModel).sum(0).reshape(f.ctx, cfg.dModel);
        if (f.ctx < cfg.nCtx) {
            INDArray full = Nd4j.zeros(dPos.dataType(), cfg.nCtx, cfg.dModel);
            full.get(interval(0, f.ctx), all()).assign(dPos);
            dPos = full;
        }
        g.put("pos_embed.W_pos", dPos);
        Map<String, INDArray> ordered = new LinkedHashMap<>();
        shapes(cfg).forEach((name, shape) -> ordered.put(name, g.get(name).reshape(shape)));
        return ordered;
    }

    private INDArray attentionBackward(INDArray dOut, String b, Forward f, BlockCache c, Map<String, INDArray> g) {
        int h = cfg.nHeads, dh = cfg.dHead, t = f.ctx, bh = f.batch * h, hd = cfg.headDims();
        INDArray wO = p(b + "attn.W_O").reshape(hd, cfg.dModel);
        g.put(b + "attn.W_O", c.z.transpose().mmul(dOut));
        g.put(b + "attn.b_O", dOut.sum(0));
        INDArray dzFlat = dOut.mmul(wO.transpose());
        INDArray dz;
        INDArray dPattern;
        INDArray dv;
        if (c.perDim) {
            dz = dzFlat.reshape(f.batch, t, h, dh).permute(3, 0, 2, 1).dup('c').reshape(dh, bh, t);
            dPattern = outerSum(dz, c.v, bh, t);
            dv = weightedSum(c.pattern, dz, bh, t, 1);
        } else {
            dz = dzFlat.reshape(f.batch, t, h, dh).permute(0, 2, 1, 3).dup('c').reshape(bh, t, dh);
            dPattern = Nd4j.matmul(dz, c.v, false, true, false);
            dv = Nd4j.matmul(c.pattern, dz, true, false, false);
        }
        // softmax backward, row by row: dS = P ⊙ (dP − Σ_k dP·P)
        INDArray p2 = c.pattern.reshape((long) bh * t, t);
        INDArray dp2 = dPattern.reshape((long) bh * t, t);
        INDArray dScores = dp2.subColumnVector(dp2.mul(p2).sum(true, 1)).muli(p2).reshape(bh, t, t);
        if (cfg.useAttnScale) {
            dScores.muli(1.0 / Math.sqrt(dh));
        }
        INDArray dQkv;
        if (c.perDim) {
            INDArray dq = weightedSum(dScores, c.k, bh, t, 2);
            INDArray dk = weightedSum(dScores, c.q, bh, t, 1);
            // [3, d_head, batch, head, pos] → [batch, pos, 3, head, d_head]
            dQkv = Nd4j.stack(0, dq, dk, dv).reshape(3, dh, f.batch, h, t).permute(2, 4, 0, 3, 1).dup('c')
                    .reshape((long) f.batch * t, 3L * hd);
        } else {
            INDArray dq = Nd4j.matmul(dScores, c.k);
            INDArray dk = Nd4j.matmul(dScores, c.q, true, false, false);
            dQkv = Nd4j.stack(0, dq, dk, dv).reshape(3, f.batch, h, t, dh).permute(1, 3, 0, 2, 4).dup('c')
                    .reshape((long) f.batch * t, 3L * hd);
        }
        INDArray dW = c.attnIn.transpose().mmul(dQkv);
        INDArray dB = dQkv.sum(0);
        String[] w = {"W_Q", "W_K", "W_V"};
        String[] bias = {"b_Q", "b_K", "b_V"};
        for (int i = 0; i < 3; i++) {
            g.put(b + "attn." + w[i], splitHeads(dW.get(all(), interval(i * hd, (i + 1) * hd)), h, dh));
            g.put(b + "attn." + bias[i], dB.get(interval(i * hd, (i + 1) * hd)).dup('c').reshape(h, dh));
        }
        return dQkv.mmul(c.wQkv.transpose());
    }

    private static INDArray layerNormBackward(INDArray dy, INDArray w, LnCache c, Map<String, INDArray> g,
                                              String prefix) {
        g.put(prefix + ".w", dy.mul(c.xhat).sum(0));
        g.put(prefix + ".b", dy.sum(0));
        INDArray dxhat = dy.mulRowVector(w);
        INDArray meanD = dxhat.mean(true, 1);
        INDArray meanDx = dxhat.mul(c.xhat).mean(true, 1);
        return dxhat.subiColumnVector(meanD).subi(c.xhat.mulColumnVector(meanDx)).muliColumnVector(c.invStd);
    }
}
