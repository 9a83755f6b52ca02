package org.interplab.core.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.Map;
import org.interplab.core.model.kernels.QkvAttentionKernel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Multi-head causal self-attention of one block, on a residual-shaped input x [batch·pos, d_model]:
 * q, k, v = x·W_Q[h] + b_Q[h], …; (pattern, z) = {@link AttentionCore}(q, k, v, scale, window);
 * out = Σ_h z_h·W_O[h] + b_O. The heads' projections run as one merged [d_model, 3·head·d_head] QKV GEMM; without
 * hooks on the heads the core runs as {@link QkvAttentionKernel} straight on that GEMM's output (no head split or
 * merge), else as {@link AttentionCore} on per-head tensors. For the kernel the merged W_QKV's columns and W_O's rows
 * are in component-major order (c·head + h, see {@link QkvAttentionKernel}): the kernel then reads and writes its
 * lanes as contiguous runs; the gradients are permuted back to TransformerLens's shapes (a few KB per step).
 * Hooks (TransformerLens): {@code attn.hook_q/k/v} [batch, pos, head, d_head], {@code attn.hook_pattern}
 * [batch, head, query_pos, key_pos], {@code attn.hook_z} [batch, pos, head, d_head], {@code attn.hook_result}
 * [batch, pos, head, d_model] (computed only when a hook asks for it).
 */
final class Attention implements Layer {
    private final Run run;
    private final String name;
    private final Map<String, INDArray> params;
    private final int nHeads;
    private final int dHead;
    private final double scale;
    private final int window;
    private INDArray x;
    private INDArray wQkv;
    private INDArray q;
    private INDArray k;
    private INDArray v;
    private INDArray pattern;
    private INDArray z;
    /** The QKV projection without its bias when the pass runs {@link QkvAttentionKernel}, else null. */
    private INDArray qkv;
    /** The merged QKV bias the kernel adds (component-major), when it runs. */
    private INDArray bQkv;
    /** The kernel's pattern saved for the backward (a pass with a backward), else null. */
    private INDArray savedPattern;
    /** Whether this pass runs {@link QkvAttentionKernel} (then wQkv, wO, z and qkv are component-major). */
    private boolean kernel;
    private INDArray wO;
    /** Whether this pass's output holds only the rows of positions ≥ run.outFrom. */
    private boolean tailOnly;

    /** {@code name} is the block's attention prefix, e.g. {@code blocks.0.attn}. */
    Attention(Run run, String name, Map<String, INDArray> params, Transformer.Config cfg, int window) {
        this.run = run;
        this.name = name;
        this.params = params;
        this.nHeads = cfg.nHeads();
        this.dHead = cfg.dHead();
        this.scale = cfg.useAttnScale() ? 1.0 / Math.sqrt(dHead) : 1.0;
        this.window = window;
    }

    private INDArray p(String leaf) {
        return params.get(name + "." + leaf);
    }

    @Override
    public INDArray forward(INDArray x) {
        return forward(x, false);
    }

    /**
     * With {@code tailOnly}: the output rows of the queries at positions ≥ run.outFrom only, [batch·(pos − outFrom),
     * d_model] (keys and values from every position). The kernel then computes only those queries and z rows; the
     * per-head path computes everything and keeps those rows.
     */
    INDArray forward(INDArray x, boolean tailOnly) {
        this.tailOnly = tailOnly;
        this.x = x;
        int hd = nHeads * dHead;
        kernel = packed(x);
        wQkv = Nd4j.concat(1, columns(p("W_Q")), columns(p("W_K")), columns(p("W_V")));
        INDArray bQkv = Nd4j.concat(1, biasRow(p("b_Q")), biasRow(p("b_K")), biasRow(p("b_V")));
        INDArray projected = Gemm.mm(x, wQkv); // the kernel adds the bias as it reads the rows
        if (!kernel) {
            projected.addiRowVector(bQkv);
        }
        wO = kernel ? p("W_O").permute(1, 0, 2).dup('c').reshape(hd, p("W_O").size(2))
                : p("W_O").reshape(hd, p("W_O").size(2));
        if (kernel) {
            qkv = projected;
            this.bQkv = bQkv;
            QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkv, bQkv, run.batch, run.ctx, nHeads, dHead,
                    scale, window, false, true, tailOnly ? run.outFrom : 0, run.withBackward);
            z = f.z();
            savedPattern = f.saved();
            return output(hd);
        }
        INDArray[] heads = splitHeads(projected, 3, dHead <= Transformer.perDimMaxDHead);
        q = fromHook("hook_q", heads[0]);
        k = fromHook("hook_k", heads[1]);
        v = fromHook("hook_v", heads[2]);
        AttentionCore.Forward f = AttentionCore.forward(q, k, v, scale, window);
        pattern = f.pattern();
        INDArray zHeads = f.z();
        if (run.wants(name + ".hook_pattern")) {
            INDArray replaced = run.hook(name + ".hook_pattern", pattern.reshape(run.batch, nHeads, run.ctx, run.ctx));
            if (replaced != null) {
                pattern = replaced.reshape(pattern.shape());
                zHeads = AttentionCore.mix(pattern, v);
            }
        }
        z = mergeHeads(zHeads);
        String zName = name + ".hook_z";
        if (run.wants(zName)) {
            INDArray replaced = run.hook(zName, z.reshape(run.batch, run.ctx, nHeads, dHead));
            if (replaced != null) {
                z = replaced.dup('c').reshape(z.shape());
            }
        }
        INDArray out = output(hd);
        return tailOnly ? run.tail(out) : out;
    }

    /**
     * Whether this pass runs the attention core as {@link QkvAttentionKernel} on the QKV projection: on the CPU
     * backend, for small heads (d_head ≤ {@link Transformer#KERNEL_MAX_D_HEAD}), when no hook reads or replaces q,
     * k, v, the pattern or z (those keep the per-head path, whose layouts the hooks see). Training and evaluation
     * passes have no hooks.
     */
    private boolean packed(INDArray input) {
        if (!Transformer.useQkvKernel || dHead > Transformer.KERNEL_MAX_D_HEAD
                || !QkvAttentionKernel.supports(input)) {
            return false;
        }
        for (String hook : new String[] {"hook_q", "hook_k", "hook_v", "hook_pattern", "hook_z"}) {
            if (run.wants(name + "." + hook)) {
                return false;
            }
        }
        return true;
    }

    /** z·W_O + b_O, through {@code hook_result} when a hook asks for it. */
    private INDArray output(int hd) {
        if (!run.wants(name + ".hook_result")) {
            return Gemm.mm(z, wO).addiRowVector(p("b_O"));
        }
        long n = (long) run.batch * run.ctx, d = wO.size(1);
        // [batch·pos, head, d_head] → [head, batch·pos, d_head], times W_O[h] → [head, batch·pos, d_model]
        INDArray zHeads = kernel ? z.reshape(n, dHead, nHeads).permute(2, 0, 1) : z.reshape(n, nHeads, dHead)
                .permute(1, 0, 2);
        INDArray perHead = Nd4j.matmul(zHeads.dup('c'), p("W_O"));
        INDArray result = perHead.reshape(nHeads, run.batch, run.ctx, d).permute(1, 2, 0, 3);
        INDArray replaced = run.hook(name + ".hook_result", result);
        if (replaced != null) {
            result = replaced;
        }
        return result.sum(2).reshape(n, d).addiRowVector(p("b_O"));
    }

    /** Runs the hook on a [batch·head, pos, d_head] head tensor shown as [batch, pos, head, d_head]. */
    private INDArray fromHook(String hook, INDArray heads) {
        if (!run.wants(name + "." + hook)) {
            return heads;
        }
        INDArray shown = heads.reshape(run.batch, nHeads, run.ctx, dHead).permute(0, 2, 1, 3);
        INDArray replaced = run.hook(name + "." + hook, shown);
        if (replaced == null) {
            return heads;
        }
        return replaced.permute(0, 2, 1, 3).dup('c').reshape((long) run.batch * nHeads, run.ctx, dHead);
    }

    /** dOut has the rows forward returned; returns dx of every position. */
    @Override
    public INDArray backward(INDArray dOut) {
        int hd = nHeads * dHead;
        long d = x.size(1);
        if (tailOnly && !kernel) {
            dOut = run.padTail(dOut); // the per-head path computed every row: the others get no gradient
        }
        INDArray dWO = Gemm.mm(z, true, dOut, false);
        run.grads.put(name + ".W_O", kernel ? dWO.reshape(dHead, nHeads, d).permute(1, 0, 2).dup('c')
                : dWO.reshape(p("W_O").shape()));
        run.grads.put(name + ".b_O", Gemm.columnSums(dOut));
        INDArray dQkv;
        INDArray dB = null;
        if (kernel) {
            QkvAttentionKernel.Backward g = QkvAttentionKernel.backward(qkv, bQkv, Gemm.mm(dOut, false, wO, true),
                    run.batch, run.ctx, nHeads, dHead, scale, window, true, tailOnly ? run.outFrom : 0, savedPattern,
                    true);
            dQkv = g.dQkv();
            dB = g.columnSums();
        } else {
            boolean perDim = dHead <= Transformer.perDimMaxDHead;
            INDArray dz = splitHeads(Gemm.mm(dOut, false, wO, true), 1, perDim)[0];
            AttentionCore.Grads g = AttentionCore.backward(q, k, v, pattern, dz, scale);
            dQkv = mergeHeads(g.dq(), g.dk(), g.dv());
        }
        INDArray dW = Gemm.mm(x, true, dQkv, false);
        if (dB == null) {
            dB = Gemm.columnSums(dQkv);
        }
        String[] w = {"W_Q", "W_K", "W_V"};
        String[] bias = {"b_Q", "b_K", "b_V"};
        for (int i = 0; i < 3; i++) {
            INDArray dWi = dW.get(all(), interval(i * hd, (i + 1) * hd)).dup('c');
            INDArray dBi = dB.get(interval(i * hd, (i + 1) * hd)).dup('c');
            // columns h·d_head + c → [head, d_model, d_head]; component-major c·head + h likewise
            run.grads.put(name + "." + w[i], (kernel ? dWi.reshape(d, dHead, nHeads).permute(2, 0, 1)
                    : dWi.reshape(d, nHeads, dHead).permute(1, 0, 2)).dup('c'));
            run.grads.put(name + "." + bias[i], kernel ? dBi.reshape(dHead, nHeads).transpose().dup('c')
                    : dBi.reshape(nHeads, dHead));
        }
        return Gemm.mm(dQkv, false, wQkv, true);
    }

    /**
     * [batch·pos, m·head·d_head] → m tensors [batch·head, pos, d_head]. With {@code perDim} they are views of one
     * [m, d_head, batch·head, pos] array, the layout {@link AttentionCore}'s per-dimension path reads without a copy.
     */
    private INDArray[] splitHeads(INDArray flat, int m, boolean perDim) {
        int b = run.batch, t = run.ctx;
        long bh = (long) b * nHeads;
        INDArray[] out = new INDArray[m];
        if (perDim) {
            INDArray all = flat.reshape(b, t, m, nHeads, dHead).permute(2, 4, 0, 3, 1).dup('c')
                    .reshape(m, dHead, bh, t);
            for (int i = 0; i < m; i++) {
                out[i] = all.slice(i).permute(1, 2, 0);
            }
        } else {
            INDArray all = flat.reshape(b, t, m, nHeads, dHead).permute(2, 0, 3, 1, 4).dup('c')
                    .reshape(m, bh, t, dHead);
            for (int i = 0; i < m; i++) {
                out[i] = all.slice(i);
            }
        }
        return out;
    }

    /** m tensors [batch·head, pos, d_head] (any strides) → [batch·pos, m·head·d_head], c-order. */
    private INDArray mergeHeads(INDArray... parts) {
        int b = run.batch, t = run.ctx, m = parts.length;
        INDArray out = Nd4j.createUninitialized(parts[0].dataType(), b, t, m, nHeads, dHead);
        for (int i = 0; i < m; i++) {
            out.get(all(), all(), point(i), all(), all())
                    .assign(parts[i].reshape(b, nHeads, t, dHead).permute(0, 2, 1, 3));
        }
        return out.reshape((long) b * t, (long) m * nHeads * dHead);
    }

    /**
     * [n_heads, d_model, d_head] → [d_model, n_heads·d_head]: column h·d_head + c, or c·n_heads + h when this pass
     * runs the kernel (component-major).
     */
    private INDArray columns(INDArray w) {
        return w.permute(kernel ? new int[] {1, 2, 0} : new int[] {1, 0, 2}).dup('c')
                .reshape(w.size(1), w.size(0) * w.size(2));
    }

    /** [n_heads, d_head] → [1, n_heads·d_head] in the order of {@link #columns}. */
    private INDArray biasRow(INDArray b) {
        return (kernel ? b.transpose().dup('c') : b).reshape(1, (long) nHeads * dHead);
    }
}
