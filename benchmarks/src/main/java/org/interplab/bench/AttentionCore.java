package org.interplab.bench;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import org.interplab.core.model.kernels.AttentionKernel;
import org.interplab.core.model.kernels.QkvAttentionKernel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention core of one layer (scores, mask, softmax, z; and its backward to dq, dk, dv) at given shapes, two
 * ways: the ND4J ops interp-core's Transformer runs today (for d_head ≤ 2 per-d_head broadcast products on the
 * [d_head, batch·head, pos] layout, else batched 3-D matmuls; ND4J softmax, the hand-written softmax backward;
 * replicated op for op because they are private there) and the fused {@link AttentionKernel} on the
 * [batch·head, pos, d_head] layout, and {@link QkvAttentionKernel} on the QKV projection's [batch·pos,
 * 3·head·d_head] layout (what the product's training and evaluation passes run; no head split or merge exists in
 * that path, so its timing is the whole core). Same random q, k, v, dz for all; the head split/merge permutes
 * around the per-head variants are left out of them.
 */
final class AttentionCore {
    final int bh;
    final int t;
    final int dh;
    final double scale;
    private final INDArray q;
    private final INDArray k;
    private final INDArray v;
    private final INDArray dz;
    private final INDArray qh;
    private final INDArray kh;
    private final INDArray vh;
    private final INDArray dzh;
    private final INDArray mask;
    private final int heads;
    private final INDArray qkv;
    private final INDArray dzFlat;

    AttentionCore(int batch, int heads, int t, int dh, double scale) {
        int bh = batch * heads;
        this.heads = heads;
        this.bh = bh;
        this.t = t;
        this.dh = dh;
        this.scale = scale;
        Nd4j.getRandom().setSeed(3);
        q = Nd4j.rand(DataType.FLOAT, bh, t, dh).subi(0.5);
        k = Nd4j.rand(DataType.FLOAT, bh, t, dh).subi(0.5);
        v = Nd4j.rand(DataType.FLOAT, bh, t, dh).subi(0.5);
        dz = Nd4j.rand(DataType.FLOAT, bh, t, dh).subi(0.5);
        qh = perDim(q);
        kh = perDim(k);
        vh = perDim(v);
        dzh = perDim(dz);
        float[] m = new float[t * t];
        for (int i = 0; i < t; i++) {
            for (int j = i + 1; j < t; j++) {
                m[i * t + j] = -1e9f;
            }
        }
        mask = Nd4j.create(m, new long[] {1, (long) t * t}, DataType.FLOAT);
        qkv = Nd4j.concat(1, flat(q), flat(k), flat(v));
        dzFlat = flat(dz);
    }

    /** [batch·head, t, dh] → [batch·t, head·dh], the projection's layout. */
    private INDArray flat(INDArray a) {
        return a.reshape(bh / heads, heads, t, dh).permute(0, 2, 1, 3).dup('c').reshape(bh / heads * t, heads * dh);
    }

    /** The inverse of {@link #flat}. */
    private INDArray perHead(INDArray a) {
        return a.reshape(bh / heads, t, heads, dh).permute(0, 2, 1, 3).dup('c').reshape(bh, t, dh);
    }

    /** [bh, t, dh] → [dh, bh, t], the layout of today's per-dimension path. */
    private static INDArray perDim(INDArray a) {
        return a.permute(2, 0, 1).dup('c');
    }

    /** Analytic FLOPs of the core forward + backward (full T×T, as the step's count). */
    double flops() {
        return 3 * 2 * 2.0 * bh * t * t * dh;
    }

    /** Today's ND4J ops; returns {pattern, z, dq, dk, dv} in the [bh, t, dh] layout (for the cross-check). */
    INDArray[] nd4j() {
        return dh <= 2 ? nd4jPerDim() : nd4jMatmul();
    }

    private INDArray softmaxOfMasked(INDArray scores) {
        INDArray rows = scores.reshape(bh, (long) t * t).addiRowVector(mask).reshape((long) bh * t, t);
        return Nd4j.exec(new SoftMax(rows, rows.ulike(), 1))[0].reshape(bh, t, t);
    }

    private INDArray softmaxBackward(INDArray pattern, INDArray dPattern) {
        INDArray p2 = pattern.reshape((long) bh * t, t), dp2 = dPattern.reshape((long) bh * t, t);
        return dp2.subColumnVector(dp2.mul(p2).sum(true, 1)).muli(p2).reshape(bh, t, t).muli(scale);
    }

    private INDArray[] nd4jMatmul() {
        INDArray pattern = softmaxOfMasked(Nd4j.matmul(q, k, false, true, false).muli(scale));
        INDArray z = Nd4j.matmul(pattern, v);
        INDArray dScores = softmaxBackward(pattern, Nd4j.matmul(dz, v, false, true, false));
        return new INDArray[] {pattern, z, Nd4j.matmul(dScores, k), Nd4j.matmul(dScores, q, true, false, false),
                Nd4j.matmul(pattern, dz, true, false, false)};
    }

    private INDArray[] nd4jPerDim() {
        INDArray pattern = softmaxOfMasked(outerSum(qh, kh).muli(scale));
        INDArray z = weightedSum(pattern, vh, 2);
        INDArray dv = weightedSum(pattern, dzh, 1);
        INDArray dScores = softmaxBackward(pattern, outerSum(dzh, vh));
        INDArray dq = weightedSum(dScores, kh, 2);
        INDArray dk = weightedSum(dScores, qh, 1);
        return new INDArray[] {pattern, back(z), back(dq), back(dk), back(dv)};
    }

    private static INDArray back(INDArray a) {
        return a.permute(1, 2, 0);
    }

    INDArray[] kernel() {
        AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, scale, 0);
        AttentionKernel.Grads g = AttentionKernel.backward(q, k, v, f.pattern(), dz, scale);
        return new INDArray[] {f.pattern(), f.z(), g.dq(), g.dk(), g.dv()};
    }

    /** The QKV kernel, forward (no pattern kept) and backward: {z, dQkv} in the projection's layout. */
    INDArray[] qkvKernel() {
        INDArray z = QkvAttentionKernel.forward(qkv, bh / heads, t, heads, dh, scale, 0, false).z();
        return new INDArray[] {z, QkvAttentionKernel.backward(qkv, dzFlat, bh / heads, t, heads, dh, scale, 0)};
    }

    /** {pattern, z, dq, dk, dv} of the QKV kernel in the per-head layout (for the cross-check). */
    private INDArray[] qkvKernelPerHead() {
        QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkv, bh / heads, t, heads, dh, scale, 0, true);
        INDArray d = QkvAttentionKernel.backward(qkv, dzFlat, bh / heads, t, heads, dh, scale, 0);
        long hd = (long) heads * dh;
        return new INDArray[] {QkvAttentionKernel.patternView(f.pattern()).dup('c').reshape(bh, t, t),
                perHead(f.z()), perHead(d.get(all(), interval(0, hd)).dup('c')),
                perHead(d.get(all(), interval(hd, 2 * hd)).dup('c')),
                perHead(d.get(all(), interval(2 * hd, 3 * hd)).dup('c'))};
    }

    /** The largest differences of the per-head and of the QKV kernel from ND4J ops over pattern, z, dq, dk, dv. */
    double[] maxDifference() {
        INDArray[] a = nd4j(), b = kernel(), c = qkvKernelPerHead();
        double[] worst = new double[2];
        for (int i = 0; i < a.length; i++) {
            worst[0] = Math.max(worst[0], a[i].sub(b[i]).amaxNumber().doubleValue());
            worst[1] = Math.max(worst[1], a[i].sub(c[i]).amaxNumber().doubleValue());
        }
        return worst;
    }

    /** Σ_j a_j[.., q, 1]·b_j[.., 1, k] for a, b [d_head, n, t] → [n, t, t]. */
    private INDArray outerSum(INDArray a, INDArray b) {
        INDArray acc = a.slice(0).reshape(bh, t, 1).mul(b.slice(0).reshape(bh, 1, t));
        for (int j = 1; j < dh; j++) {
            acc.addi(a.slice(j).reshape(bh, t, 1).mul(b.slice(j).reshape(bh, 1, t)));
        }
        return acc;
    }

    /** axis 2: out_j[.., q] = Σ_k m[.., q, k]·v_j[.., k]; axis 1: out_j[.., k] = Σ_q m[.., q, k]·v_j[.., q]. */
    private INDArray weightedSum(INDArray m, INDArray w, int axis) {
        INDArray out = Nd4j.create(m.dataType(), dh, bh, t);
        for (int j = 0; j < dh; j++) {
            INDArray wj = axis == 2 ? w.slice(j).reshape(bh, 1, t) : w.slice(j).reshape(bh, t, 1);
            out.slice(j).assign(m.mul(wj).sum(axis));
        }
        return out;
    }
}
