package org.interplab.core.model.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention core of one layer, fused into one pass per (batch·head) slice, forward and backward, on the CPU:
 * scores = scale·q·kᵀ, causal (and optionally local) mask, softmax over the allowed keys, z = pattern·v.
 *
 * <p>Why: at the toy models' shapes (thousands of [19×2] heads) ND4J spends its time on per-op overhead — one tiny
 * batched GEMM per head, a softmax over rows of 19, fresh [batch·head, t, t] temporaries — not on arithmetic. Here
 * each slice is read once into per-thread scratch, computed in double with plain loops that skip the masked keys, and
 * written once; slices run in parallel on {@link KernelThreads}. The inputs and outputs stay ND4J arrays (FLOAT or
 * DOUBLE, c order), read and written in place through their NIO views. The big GEMMs around it stay with ND4J.
 *
 * <p>Masked entries of the pattern are exactly 0; the softmax subtracts each row's maximum first.
 */
public final class AttentionKernel {
    /** pattern [bh, t, t] (the softmax, 0 where masked), z [bh, t, dh]. */
    public record Forward(INDArray pattern, INDArray z) {
    }

    /** Gradients of the loss with respect to q, k and v, each [bh, t, dh]. */
    public record Grads(INDArray dq, INDArray dk, INDArray dv) {
    }

    /** Per-thread scratch for a block of slices. */
    private static final ThreadLocal<double[]> SCRATCH = new ThreadLocal<>();
    /** Slices per block: the block's pattern stays around 64 k doubles (fits in L2), and I/O calls stay few. */
    private static final int BLOCK_DOUBLES = 1 << 16;

    private AttentionKernel() {
    }

    /**
     * Whether the kernel can run on arrays like {@code a}: the ND4J backend is the CPU one (the kernel reads the
     * arrays' host memory; on CUDA the attention layer keeps ND4J's batched matmuls) and the type is FLOAT or DOUBLE.
     */
    public static boolean supports(INDArray a) {
        return Nd4j.getEnvironment().isCPU()
                && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE);
    }

    private static int blockSlices(int t) {
        return Math.max(1, BLOCK_DOUBLES / (t * t));
    }

    /**
     * q, k, v [bh, t, dh], c order, FLOAT or DOUBLE (all the same); causal; {@code window <= 0} means global, else
     * key k is allowed for query q iff 0 ≤ q − k < window; scores = scale · q·k; pattern = softmax over the allowed
     * keys (0 elsewhere). Outputs have the inputs' data type and are allocated in the current ND4J workspace, if any.
     */
    public static Forward forward(INDArray q, INDArray k, INDArray v, double scale, int window) {
        int[] s = dims(q, k, v);
        int bh = s[0], t = s[1], dh = s[2];
        INDArray qc = DirectIo.contiguous(q), kc = DirectIo.contiguous(k), vc = DirectIo.contiguous(v);
        INDArray pattern = Nd4j.createUninitialized(q.dataType(), bh, t, t);
        INDArray z = Nd4j.createUninitialized(q.dataType(), bh, t, dh);
        DirectIo qi = DirectIo.of(qc), ki = DirectIo.of(kc), vi = DirectIo.of(vc);
        DirectIo po = DirectIo.of(pattern), zo = DirectIo.of(z);
        int td = t * dh, tt = t * t, nb = blockSlices(t);
        KernelThreads.forRange(bh, (long) t * t * dh, (from, to) -> {
            double[] w = DirectIo.scratch(SCRATCH, nb * (4 * td + tt));
            for (int b0 = from; b0 < to; b0 += nb) {
                int m = Math.min(nb, to - b0);
                // scratch: q | k | v | z | pattern, each for m slices
                int oq = 0, ok = m * td, ov = 2 * m * td, oz = 3 * m * td, op = 4 * m * td;
                qi.read((long) b0 * td, w, oq, m * td);
                ki.read((long) b0 * td, w, ok, m * td);
                vi.read((long) b0 * td, w, ov, m * td);
                Arrays.fill(w, oz, op + m * tt, 0.0);
                for (int n = 0; n < m; n++) {
                    forwardSlice(w, oq + n * td, ok + n * td, ov + n * td, op + n * tt, oz + n * td, t, dh, scale,
                            window);
                }
                po.write((long) b0 * tt, w, op, m * tt);
                zo.write((long) b0 * td, w, oz, m * td);
            }
        });
        return new Forward(pattern, z);
    }

    /** One slice: pattern rows (pre-zeroed) and z (pre-zeroed) from q, k, v, all at offsets into {@code w}. */
    private static void forwardSlice(double[] w, int oq, int ok, int ov, int op, int oz, int t, int dh, double scale,
                                     int window) {
        for (int i = 0; i < t; i++) {
            int lo = window > 0 ? Math.max(0, i - window + 1) : 0;
            int row = op + i * t, qi = oq + i * dh;
            double max = Double.NEGATIVE_INFINITY;
            for (int j = lo; j <= i; j++) {
                double dot = 0;
                int kj = ok + j * dh;
                for (int c = 0; c < dh; c++) {
                    dot += w[qi + c] * w[kj + c];
                }
                double sc = scale * dot;
                w[row + j] = sc;
                max = Math.max(max, sc);
            }
            double sum = 0;
            for (int j = lo; j <= i; j++) {
                double e = Math.exp(w[row + j] - max);
                w[row + j] = e;
                sum += e;
            }
            double inv = 1.0 / sum;
            int zi = oz + i * dh;
            for (int j = lo; j <= i; j++) {
                double p = w[row + j] * inv;
                w[row + j] = p;
                int vj = ov + j * dh;
                for (int c = 0; c < dh; c++) {
                    w[zi + c] += p * w[vj + c];
                }
            }
        }
    }

    /**
     * Given dz [bh, t, dh] = ∂loss/∂z and the forward's pattern: dv = patternᵀ·dz; dPattern = dz·vᵀ; dScores =
     * pattern ⊙ (dPattern − Σ_k pattern·dPattern) row by row; dq = scale·dScores·k; dk = scale·dScoresᵀ·q. Entries
     * where the pattern is exactly 0 (masked) contribute nothing, so the mask need not be passed again.
     */
    public static Grads backward(INDArray q, INDArray k, INDArray v, INDArray pattern, INDArray dz, double scale) {
        int[] s = dims(q, k, v);
        int bh = s[0], t = s[1], dh = s[2];
        if (!Arrays.equals(pattern.shape(), new long[] {bh, t, t}) || !Arrays.equals(dz.shape(), q.shape())) {
            throw new IllegalArgumentException("pattern must be [" + bh + ", " + t + ", " + t + "] and dz like q, got "
                    + Arrays.toString(pattern.shape()) + " and " + Arrays.toString(dz.shape()));
        }
        sameType(q, pattern);
        sameType(q, dz);
        INDArray qc = DirectIo.contiguous(q), kc = DirectIo.contiguous(k), vc = DirectIo.contiguous(v);
        INDArray pc = DirectIo.contiguous(pattern), dzc = DirectIo.contiguous(dz);
        DataType dt = q.dataType();
        INDArray dq = Nd4j.createUninitialized(dt, bh, t, dh);
        INDArray dk = Nd4j.createUninitialized(dt, bh, t, dh);
        INDArray dv = Nd4j.createUninitialized(dt, bh, t, dh);
        DirectIo qi = DirectIo.of(qc), ki = DirectIo.of(kc), vi = DirectIo.of(vc), pi = DirectIo.of(pc);
        DirectIo dzi = DirectIo.of(dzc), dqo = DirectIo.of(dq), dko = DirectIo.of(dk), dvo = DirectIo.of(dv);
        int td = t * dh, tt = t * t, nb = blockSlices(t);
        KernelThreads.forRange(bh, (long) t * t * dh, (from, to) -> {
            double[] w = DirectIo.scratch(SCRATCH, nb * (7 * td + tt) + t);
            for (int b0 = from; b0 < to; b0 += nb) {
                int m = Math.min(nb, to - b0), mtd = m * td;
                // scratch: q | k | v | dz | dq | dk | dv | pattern (m slices each) | one row of dPattern
                int oq = 0, ok = mtd, ov = 2 * mtd, odz = 3 * mtd, odq = 4 * mtd, odk = 5 * mtd, odv = 6 * mtd;
                int op = 7 * mtd, odp = op + m * tt;
                qi.read((long) b0 * td, w, oq, mtd);
                ki.read((long) b0 * td, w, ok, mtd);
                vi.read((long) b0 * td, w, ov, mtd);
                dzi.read((long) b0 * td, w, odz, mtd);
                pi.read((long) b0 * tt, w, op, m * tt);
                Arrays.fill(w, odq, op, 0.0);
                for (int n = 0; n < m; n++) {
                    int o = n * td;
                    backwardSlice(w, oq + o, ok + o, ov + o, odz + o, odq + o, odk + o, odv + o, op + n * tt, odp,
                            t, dh, scale);
                }
                dqo.write((long) b0 * td, w, odq, mtd);
                dko.write((long) b0 * td, w, odk, mtd);
                dvo.write((long) b0 * td, w, odv, mtd);
            }
        });
        return new Grads(dq, dk, dv);
    }

    /** One slice's dq, dk, dv (pre-zeroed) from q, k, v, dz and the pattern, all at offsets into {@code w}. */
    private static void backwardSlice(double[] w, int oq, int ok, int ov, int odz, int odq, int odk, int odv, int op,
                                      int odp, int t, int dh, double scale) {
        for (int i = 0; i < t; i++) {
            int row = op + i * t, zi = odz + i * dh, qi = oq + i * dh, dqi = odq + i * dh;
            // dPattern[i, j] = dz_i·v_j where the pattern is non-zero, and Σ_j pattern·dPattern over the row
            double rowDot = 0;
            for (int j = 0; j < t; j++) {
                double p = w[row + j];
                double dp = 0;
                if (p != 0) {
                    int vj = ov + j * dh;
                    for (int c = 0; c < dh; c++) {
                        dp += w[zi + c] * w[vj + c];
                    }
                    rowDot += p * dp;
                }
                w[odp + j] = dp;
            }
            for (int j = 0; j < t; j++) {
                double p = w[row + j];
                if (p == 0) {
                    continue;
                }
                double ds = scale * p * (w[odp + j] - rowDot);
                int kj = ok + j * dh, dkj = odk + j * dh, dvj = odv + j * dh;
                for (int c = 0; c < dh; c++) {
                    w[dqi + c] += ds * w[kj + c];
                    w[dkj + c] += ds * w[qi + c];
                    w[dvj + c] += p * w[zi + c];
                }
            }
        }
    }

    /** [bh, t, dh] of q, checked against k and v. */
    private static int[] dims(INDArray q, INDArray k, INDArray v) {
        if (q.rank() != 3 || !Arrays.equals(q.shape(), k.shape()) || !Arrays.equals(q.shape(), v.shape())) {
            throw new IllegalArgumentException("q, k, v must have the same shape [bh, t, dh], got "
                    + Arrays.toString(q.shape()) + ", " + Arrays.toString(k.shape()) + ", "
                    + Arrays.toString(v.shape()));
        }
        sameType(q, k);
        sameType(q, v);
        if (q.dataType() != DataType.FLOAT && q.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("attention kernel takes FLOAT or DOUBLE, got " + q.dataType());
        }
        return new int[] {Math.toIntExact(q.size(0)), Math.toIntExact(q.size(1)), Math.toIntExact(q.size(2))};
    }

    private static void sameType(INDArray a, INDArray b) {
        if (a.dataType() != b.dataType()) {
            throw new IllegalArgumentException("mixed data types " + a.dataType() + " and " + b.dataType());
        }
    }
}
