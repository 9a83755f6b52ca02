package org.interplab.bench;

import org.interplab.core.model.kernels.AttentionKernel;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention core of one layer (scores, mask, softmax, z; and its backward to dq, dk, dv) at given shapes, two
 * ways: the ND4J ops interp-core's Transformer runs today (for d_head ≤ 2 per-d_head broadcast products on the
 * [d_head, batch·head, pos] layout, else batched 3-D matmuls; ND4J softmax, the hand-written softmax backward;
 * replicated op for op because they are private there) and the fused {@link AttentionKernel} on the
 * [batch·head, pos, d_head] layout. Same
 * random q, k, v, dz for both; the head split/merge permutes around the core are left out of both.
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

    AttentionCore(int bh, int t, int dh, double scale) {
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

    /** The largest difference between the two ways, over pattern, z, dq, dk, dv. */
    double maxDifference() {
        INDArray[] a = nd4j(), b = kernel();
        double worst = 0;
        for (int i = 0; i < a.length; i++) {
            worst = Math.max(worst, a[i].sub(b[i]).amaxNumber().doubleValue());
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
