package org.interplab.core.model;

import org.interplab.core.model.kernels.AttentionKernel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention core, the one seam a fused kernel plugs into: given q, k, v [batch·head, pos, d_head], scores
 * scale·q·kᵀ, the causal (and optionally local) mask, softmax over keys, z = pattern·v; and its backward. Same
 * contract as {@code org.interplab.core.model.kernels.AttentionKernel} (INTERFACES.md I-3): window ≤ 0 means
 * global, else key k is allowed for query q iff 0 ≤ q − k &lt; window.
 *
 * <p>Two algorithms, chosen by the inputs' memory layout: when q, k, v are views of [d_head, batch·head, pos]
 * storage (what {@link Attention} makes for d_head ≤ {@link Transformer#perDimMaxDHead}), the products run per d_head
 * dimension as broadcast multiply-and-sum (thousands of 2-wide matmuls cost more); otherwise as batched matmuls.
 * Inputs may be any strided views; outputs are [batch·head, pos, d_head] (possibly views).
 */
final class AttentionCore {
    /** Added to masked scores; exp underflows to exactly 0 in float32 and float64. */
    private static final double MASKED = -1e9;

    record Forward(INDArray pattern, INDArray z) {
    }

    record Grads(INDArray dq, INDArray dk, INDArray dv) {
    }

    private AttentionCore() {
    }

    static Forward forward(INDArray q, INDArray k, INDArray v, double scale, int window) {
        if (kernel(q)) {
            AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, scale, window);
            return new Forward(f.pattern(), f.z());
        }
        long bh = q.size(0);
        int t = (int) q.size(1);
        INDArray qd = perDim(q), kd = perDim(k), vd = perDim(v);
        boolean perDim = qd != null && kd != null && vd != null;
        INDArray scores = perDim ? outerSum(qd, kd, bh, t) : Nd4j.matmul(q, k, false, true, false);
        if (scale != 1.0) {
            scores.muli(scale);
        }
        scores.reshape(bh, (long) t * t).addiRowVector(mask(t, window, scores.dataType()));
        INDArray rows = scores.reshape(bh * t, t);
        INDArray pattern = Nd4j.exec(new SoftMax(rows, rows.ulike(), 1))[0].reshape(bh, t, t);
        INDArray z = perDim ? weightedSum(pattern, vd, bh, t, 2).permute(1, 2, 0) : Nd4j.matmul(pattern, v);
        return new Forward(pattern, z);
    }

    /** z = pattern·v for a given pattern (used when a hook replaced the pattern; forward only). */
    static INDArray mix(INDArray pattern, INDArray v) {
        return Nd4j.matmul(pattern.dup('c'), v.dup('c'));
    }

    static Grads backward(INDArray q, INDArray k, INDArray v, INDArray pattern, INDArray dz, double scale) {
        if (kernel(q)) {
            AttentionKernel.Grads g = AttentionKernel.backward(q, k, v, pattern, dz, scale);
            return new Grads(g.dq(), g.dk(), g.dv());
        }
        long bh = q.size(0);
        int t = (int) q.size(1);
        INDArray qd = perDim(q), kd = perDim(k), vd = perDim(v), dzd = perDim(dz);
        boolean perDim = qd != null && kd != null && vd != null && dzd != null;
        INDArray dPattern = perDim ? outerSum(dzd, vd, bh, t) : Nd4j.matmul(dz, v, false, true, false);
        INDArray dv = perDim ? weightedSum(pattern, dzd, bh, t, 1).permute(1, 2, 0)
                : Nd4j.matmul(pattern, dz, true, false, false);
        // softmax backward, row by row: dS = P ⊙ (dP − Σ_k dP·P); masked entries have P = 0, so dS = 0 there
        INDArray p2 = pattern.reshape(bh * t, t);
        INDArray dp2 = dPattern.reshape(bh * t, t);
        INDArray dScores = dp2.subColumnVector(dp2.mul(p2).sum(true, 1)).muli(p2).reshape(bh, t, t);
        if (scale != 1.0) {
            dScores.muli(scale);
        }
        if (perDim) {
            return new Grads(weightedSum(dScores, kd, bh, t, 2).permute(1, 2, 0),
                    weightedSum(dScores, qd, bh, t, 1).permute(1, 2, 0), dv);
        }
        return new Grads(Nd4j.matmul(dScores, k), Nd4j.matmul(dScores, q, true, false, false), dv);
    }

    /**
     * The fused CPU kernel (one pass per row: scores, mask, softmax, z; ND4J's per-op overhead dominates these tiny
     * products) for small heads whenever it supports the arrays; on CUDA, for d_head above
     * {@link Transformer#KERNEL_MAX_D_HEAD}, and when the per-dimension layout was chosen, ND4J ops.
     */
    private static boolean kernel(INDArray q) {
        return Transformer.useAttentionKernel && q.size(2) <= Transformer.KERNEL_MAX_D_HEAD && perDim(q) == null
                && AttentionKernel.supports(q);
    }

    /**
     * x [n, t, d_head] as its c-order [d_head, n, t] storage when it is a view of one (the per-dimension layout),
     * else null.
     */
    private static INDArray perDim(INDArray x) {
        if (x.size(2) > Transformer.perDimMaxDHead) {
            return null;
        }
        INDArray p = x.permute(2, 0, 1);
        long[] s = p.stride();
        long[] shape = p.shape();
        boolean cOrder = s[2] == 1 && s[1] == shape[2] && s[0] == shape[1] * shape[2];
        return cOrder ? p : null;
    }

    /** Σ_j a_j[.., q, 1]·b_j[.., 1, k] for a, b [d_head, n, t] → [n, t, t]. */
    private static INDArray outerSum(INDArray a, INDArray b, long n, int t) {
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
    private static INDArray weightedSum(INDArray m, INDArray v, long n, int t, int axis) {
        int dh = (int) v.size(0);
        INDArray out = Nd4j.create(m.dataType(), dh, n, t);
        for (int j = 0; j < dh; j++) {
            INDArray vj = axis == 2 ? v.slice(j).reshape(n, 1, t) : v.slice(j).reshape(n, t, 1);
            out.slice(j).assign(m.mul(vj).sum(axis));
        }
        return out;
    }

    /** Additive mask [1, t·t]: 0 where query q may attend key k (k ≤ q, and q − k &lt; window if window &gt; 0). */
    static INDArray mask(int t, int window, DataType dt) {
        double[] m = new double[t * t];
        for (int q = 0; q < t; q++) {
            for (int k = 0; k < t; k++) {
                boolean allowed = k <= q && (window <= 0 || q - k < window);
                m[q * t + k] = allowed ? 0 : MASKED;
            }
        }
        return Nd4j.create(m, new long[] {1, (long) t * t}, dt);
    }
}
