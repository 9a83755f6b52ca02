package org.interplab.core.model.kernels;

import java.util.Arrays;

/**
 * The block loops of {@link QkvAttentionKernel} in double: scratch, the transposes into lanes and back, forward and
 * backward. This is the hand-written source of the DOUBLE path (the finite-difference checks run it); the FLOAT
 * path, what training runs (16 lanes per AVX-512 vector instead of 8, half the memory traffic, no conversions), is
 * {@code QkvLanesFloat}, generated from this file by {@code QkvLanesTwinTest} with the primitive type replaced. Edit
 * this file only, then regenerate: {@code mvn -pl interp-core test -Dtest=QkvLanesTwinTest
 * -Dinterplab.regenerate=true}; the test fails while the two differ. So literals here carry no type suffix and no
 * decimal point ({@code 0}, {@code 1 / x}): they must compile in both. Multiply-adds are {@link Math#fma}: in
 * float, {@code a += b * c} loops ran several times slower (measured; see {@link FastExp}).
 */
final class QkvLanesDouble {
    /**
     * Per-thread scratch for a block of {@code nb} batch elements: every activation row is an array over the block's
     * lanes (lane e·heads + h for element e, head h), so that the inner loops index all their arrays alike and C2
     * vectorises them. q[c·t + i] is component c of position i's query, p[i·t + j] the pattern entry (i, j).
     */
    private static final class Scratch {
        final int t;
        final int heads;
        final int dh;
        final int nb;
        final double[] io;
        final double[] pio;
        final double[][] q;
        final double[][] k;
        final double[][] v;
        final double[][] z;
        final double[][] dq;
        final double[][] dk;
        final double[][] dv;
        final double[][] p;
        final double[][] dp;
        final double[] acc;
        final double[] acc2;
        final double[] tmp;
        /** The QKV bias as lane rows: [part·dh + c][e·heads + h] = bias of part's column (c, h). */
        final double[][] biasLanes;

        Scratch(int t, int heads, int dh, int nb) {
            this.t = t;
            this.heads = heads;
            this.dh = dh;
            this.nb = nb;
            int lanes = nb * heads;
            io = new double[nb * t * 3 * heads * dh];
            pio = new double[nb * t * t * heads];
            q = new double[dh * t][lanes];
            k = new double[dh * t][lanes];
            v = new double[dh * t][lanes];
            z = new double[dh * t][lanes];
            dq = new double[dh * t][lanes];
            dk = new double[dh * t][lanes];
            dv = new double[dh * t][lanes];
            p = new double[t * t][lanes];
            dp = new double[t][lanes];
            acc = new double[lanes];
            acc2 = new double[lanes];
            tmp = new double[lanes];
            biasLanes = new double[3 * dh][lanes];
        }

        boolean fits(int t2, int heads2, int dh2, int nb2) {
            return t == t2 && heads == heads2 && dh == dh2 && nb == nb2;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = new ThreadLocal<>();

    private QkvLanesDouble() {
    }

    private static Scratch scratch(int t, int heads, int dh, int nb) {
        Scratch s = SCRATCH.get();
        if (s == null || !s.fits(t, heads, dh, nb)) {
            s = new Scratch(t, heads, dh, nb);
            SCRATCH.set(s);
        }
        return s;
    }

    /**
     * z (and the pattern, if {@code pIo} is not null) from qkv, all through their direct views; {@code cm}: the
     * component-major column layout (see {@link QkvAttentionKernel}); {@code q0}: the first query position computed,
     * z holding ctx − q0 rows per element (positions q0 … ctx − 1); 0 with a pattern. {@code savedIo}, if not
     * null, receives the pattern of those queries for the backward ({@link #savePattern}). {@code bias}, if not
     * null, is the QKV bias [3·heads·dHead] in qkv's column layout: q, k, v are qkv's rows plus it.
     */
    static void forward(DirectIo qkvIo, double[] bias, DirectIo zIo, DirectIo pIo, DirectIo savedIo, int batch,
                        int ctx, int heads, int dHead, double scale, int window, boolean cm, int q0) {
        int hd = heads * dHead, tt = ctx * ctx * heads, nb = QkvAttentionKernel.blockElements(batch, ctx, heads);
        int nq = ctx - q0;
        KernelThreads.forRange(batch, (long) heads * ctx * ctx * dHead, (from, to) -> {
            Scratch s = scratch(ctx, heads, dHead, nb);
            fillBiasLanes(s, bias, cm);
            for (int b = from; b < to; b += nb) {
                int m = Math.min(nb, to - b), lanes = m * heads;
                readQkv(qkvIo, s, bias != null, b, m, ctx, heads, dHead, cm, q0);
                forwardBlock(s, lanes, scale, window, true, pIo != null, q0);
                if (savedIo != null) {
                    savePattern(s, savedIo, b, lanes, (long) batch * heads, window, q0, true);
                }
                if (pIo != null) {
                    packPattern(s, m);
                    pIo.write((long) b * tt, s.pio, 0, m * tt);
                }
                pack(s.z, s.io, hd, 0, m, ctx, heads, dHead, cm, q0, true);
                zIo.write((long) b * nq * hd, s.io, 0, m * nq * hd);
            }
        });
    }

    /**
     * dQkv from qkv and dz, all through their direct views, in the layout {@code cm} says (as forward); dz holds the
     * rows of positions q0 … ctx − 1 (as forward's z), dQkv every position (dq 0 before q0). {@code savedIo}: the
     * forward's saved pattern, read instead of recomputed; null: recomputed from q and k. {@code columnSums}, if
     * not null (3·heads·dHead, zero), receives the sums of dQkv's columns (the bias gradient) in its layout.
     * {@code bias}: as forward's.
     */
    static void backward(DirectIo qkvIo, double[] bias, DirectIo dzIo, DirectIo outIo, DirectIo savedIo,
                         double[] columnSums, int batch, int ctx, int heads, int dHead, double scale, int window,
                         boolean cm, int q0) {
        int hd = heads * dHead, nq = ctx - q0;
        int nb = QkvAttentionKernel.blockElements(batch, ctx, heads);
        KernelThreads.forRange(batch, (long) heads * ctx * ctx * dHead, (from, to) -> {
            Scratch s = scratch(ctx, heads, dHead, nb);
            double[] sums = columnSums == null ? null : new double[3 * hd];
            fillBiasLanes(s, bias, cm);
            for (int b = from; b < to; b += nb) {
                int m = Math.min(nb, to - b), lanes = m * heads;
                readQkv(qkvIo, s, bias != null, b, m, ctx, heads, dHead, cm, q0);
                if (savedIo != null) {
                    savePattern(s, savedIo, b, lanes, (long) batch * heads, window, q0, false);
                } else {
                    forwardBlock(s, lanes, scale, window, false, false, q0);
                }
                dzIo.read((long) b * nq * hd, s.io, 0, m * nq * hd);
                unpack(s.io, hd, 0, s.z, m, ctx, heads, dHead, cm, q0, true);
                backwardBlock(s, lanes, scale, window, q0);
                pack(s.dq, s.io, 3 * hd, 0, m, ctx, heads, dHead, cm, 0, false);
                pack(s.dk, s.io, 3 * hd, hd, m, ctx, heads, dHead, cm, 0, false);
                pack(s.dv, s.io, 3 * hd, 2 * hd, m, ctx, heads, dHead, cm, 0, false);
                if (sums != null) {
                    addColumnSums(s, s.dq, sums, 0, m, cm);
                    addColumnSums(s, s.dk, sums, hd, m, cm);
                    addColumnSums(s, s.dv, sums, 2 * hd, m, cm);
                }
                flushSubnormals(s.io, m * ctx * 3 * hd); // what the backward's GEMMs read (Subnormals)
                outIo.write((long) b * ctx * 3 * hd, s.io, 0, m * ctx * 3 * hd);
            }
            if (sums != null) {
                synchronized (columnSums) {
                    for (int j = 0; j < sums.length; j++) {
                        columnSums[j] += sums[j];
                    }
                }
            }
        });
    }

    /**
     * sums[col + column(c, h)] += Σ over the block's m elements and every position of rows[c·t + i][e·heads + h]: the
     * block's share of one part's column sums (column c·heads + h, or h·dh + c head-major).
     */
    private static void addColumnSums(Scratch s, double[][] rows, double[] sums, int col, int m, boolean cm) {
        int t = s.t, heads = s.heads, lanes = m * heads;
        double[] acc = s.acc2;
        for (int c = 0; c < s.dh; c++) {
            Arrays.fill(acc, 0, lanes, 0);
            for (int i = 0; i < t; i++) {
                double[] r = rows[c * t + i];
                for (int l = 0; l < lanes; l++) {
                    acc[l] += r[l];
                }
            }
            for (int e = 0; e < m; e++) {
                for (int h = 0; h < heads; h++) {
                    sums[col + (cm ? c * heads + h : h * s.dh + c)] += acc[e * heads + h];
                }
            }
        }
    }

    /** a[0..n) with its subnormal entries set to 0. */
    private static void flushSubnormals(double[] a, int n) {
        for (int j = 0; j < n; j++) {
            a[j] = Subnormals.flush(a[j]);
        }
    }

    /** s.biasLanes from the bias (nothing when it is null). */
    private static void fillBiasLanes(Scratch s, double[] bias, boolean cm) {
        if (bias == null) {
            return;
        }
        int heads = s.heads, dh = s.dh, hd = heads * dh;
        for (int part = 0; part < 3; part++) {
            for (int c = 0; c < dh; c++) {
                double[] row = s.biasLanes[part * dh + c];
                for (int l = 0; l < row.length; l++) {
                    int h = l % heads;
                    row[l] = bias[part * hd + (cm ? c * heads + h : h * dh + c)];
                }
            }
        }
    }

    /**
     * The block of m elements from element b on: its q (from position q0 on), k, v rows into s.q, s.k, s.v, plus the
     * bias lanes when {@code withBias} (the GEMM before the kernel then adds no bias: that pass over [batch·pos,
     * 3·heads·d_head] took ≈ 0.5 ms of the addition step, adding it here ≈ nothing).
     */
    private static void readQkv(DirectIo qkvIo, Scratch s, boolean withBias, int b, int m, int ctx, int heads,
                                int dHead, boolean cm, int q0) {
        int hd = heads * dHead;
        qkvIo.read((long) b * ctx * 3 * hd, s.io, 0, m * ctx * 3 * hd);
        unpack(s.io, 3 * hd, 0, s.q, m, ctx, heads, dHead, cm, q0, false);
        unpack(s.io, 3 * hd, hd, s.k, m, ctx, heads, dHead, cm, 0, false);
        unpack(s.io, 3 * hd, 2 * hd, s.v, m, ctx, heads, dHead, cm, 0, false);
        if (!withBias) {
            return;
        }
        int lanes = m * heads;
        double[][][] parts = {s.q, s.k, s.v};
        for (int part = 0; part < 3; part++) {
            for (int c = 0; c < dHead; c++) {
                double[] bl = s.biasLanes[part * dHead + c];
                for (int i = part == 0 ? q0 : 0; i < ctx; i++) {
                    double[] row = parts[part][c * ctx + i];
                    for (int l = 0; l < lanes; l++) {
                        row[l] += bl[l];
                    }
                }
            }
        }
    }

    /** out[h] = Σ_c a[c·t + i][h]·b[c·t + j][h] over the first n lanes: position i of a against position j of b. */
    private static void laneDot(double[][] a, int i, double[][] b, int j, int t, int dh, double[] out, int n) {
        double[] a0 = a[i], b0 = b[j];
        for (int h = 0; h < n; h++) {
            out[h] = a0[h] * b0[h];
        }
        for (int c = 1; c < dh; c++) {
            double[] ac = a[c * t + i], bc = b[c * t + j];
            for (int h = 0; h < n; h++) {
                out[h] = Math.fma(ac[h], bc[h], out[h]);
            }
        }
    }

    /**
     * dst[c·t + i][e·heads + h] = src[(e·t + i)·width + col + h·dh + c] for the block's m elements (src: their rows
     * of {@code width}, contiguous); with {@code cm} (component-major columns) src[(e·t + i)·width + col + c·heads
     * + h] instead, a contiguous run of the heads that is one array copy. Only positions i ≥ i0; with {@code tail},
     * src holds only those, t − i0 rows per element (row e·(t − i0) + i − i0).
     */
    private static void unpack(double[] src, int width, int col, double[][] dst, int m, int t, int heads, int dh,
                               boolean cm, int i0, boolean tail) {
        int rows = tail ? t - i0 : t, skip = tail ? i0 : 0;
        for (int c = 0; c < dh; c++) {
            for (int i = i0; i < t; i++) {
                double[] row = dst[c * t + i]; // one lane row at a time: a short loop with the row in a register
                for (int e = 0; e < m; e++) {
                    int to = e * heads, r = e * rows + i - skip;
                    if (cm) {
                        System.arraycopy(src, r * width + col + c * heads, row, to, heads);
                        continue;
                    }
                    int from = r * width + col + c;
                    for (int h = 0; h < heads; h++) {
                        row[to + h] = src[from + h * dh];
                    }
                }
            }
        }
    }

    /** The inverse of {@link #unpack}. */
    private static void pack(double[][] src, double[] dst, int width, int col, int m, int t, int heads, int dh,
                             boolean cm, int i0, boolean tail) {
        int rows = tail ? t - i0 : t, skip = tail ? i0 : 0;
        for (int c = 0; c < dh; c++) {
            for (int i = i0; i < t; i++) {
                double[] row = src[c * t + i];
                for (int e = 0; e < m; e++) {
                    int from = e * heads, r = e * rows + i - skip;
                    if (cm) {
                        System.arraycopy(row, from, dst, r * width + col + c * heads, heads);
                        continue;
                    }
                    int to = r * width + col + c;
                    for (int h = 0; h < heads; h++) {
                        dst[to + h * dh] = row[from + h];
                    }
                }
            }
        }
    }

    /**
     * The pattern pairs (query i ≥ q0, allowed key j, in that order) of the block's lanes, out of s.p into the saved
     * array ({@code write}) or back: pair k of lane L of the block starting at element b is element
     * k·lanesTotal + b·heads + L, so the layout does not depend on how the batch was cut into blocks or threads.
     */
    private static void savePattern(Scratch s, DirectIo io, int b, int lanes, long lanesTotal, int window, int q0,
                                    boolean write) {
        int t = s.t;
        long k = 0, at = (long) b * s.heads;
        for (int i = q0; i < t; i++) {
            for (int j = QkvAttentionKernel.firstKey(i, window); j <= i; j++, k++) {
                if (write) {
                    io.write(k * lanesTotal + at, s.p[i * t + j], 0, lanes);
                } else {
                    io.read(k * lanesTotal + at, s.p[i * t + j], 0, lanes);
                }
            }
        }
    }

    /** s.pio [m, t, t, heads] (the stored layout) from s.p. */
    private static void packPattern(Scratch s, int m) {
        int t = s.t, nh = s.heads;
        for (int e = 0; e < m; e++) {
            for (int ij = 0; ij < t * t; ij++) {
                System.arraycopy(s.p[ij], e * nh, s.pio, (e * t * t + ij) * nh, nh);
            }
        }
    }

    /**
     * s.p at the allowed (query, key) pairs (with {@code full}, 0 at the masked ones too) and, {@code withZ}, s.z from
     * s.q, s.k, s.v over the first n lanes, for the queries at positions q0 … t − 1.
     */
    private static void forwardBlock(Scratch s, int n, double scale, int window, boolean withZ, boolean full,
                                     int q0) {
        int t = s.t, dh = s.dh;
        double[] mx = s.acc, sum = s.acc2;
        for (int i = q0; i < t; i++) {
            int lo = QkvAttentionKernel.firstKey(i, window);
            for (int j = 0; j < t; j++) {
                double[] pr = s.p[i * t + j];
                if (j < lo || j > i) {
                    if (full) {
                        Arrays.fill(pr, 0, n, 0);
                    }
                    continue;
                }
                laneDot(s.q, i, s.k, j, t, dh, pr, n);
                for (int h = 0; h < n; h++) {
                    pr[h] *= scale;
                }
            }
            System.arraycopy(s.p[i * t + lo], 0, mx, 0, n);
            for (int j = lo + 1; j <= i; j++) {
                double[] pr = s.p[i * t + j];
                for (int h = 0; h < n; h++) {
                    mx[h] = Math.max(mx[h], pr[h]);
                }
            }
            Arrays.fill(sum, 0, n, 0);
            for (int j = lo; j <= i; j++) {
                double[] pr = s.p[i * t + j];
                FastExp.expShifted(pr, mx, pr, s.tmp, n);
                for (int h = 0; h < n; h++) {
                    sum[h] += pr[h];
                }
            }
            for (int h = 0; h < n; h++) {
                sum[h] = 1 / sum[h];
            }
            for (int c = 0; c < dh && withZ; c++) {
                Arrays.fill(s.z[c * t + i], 0, n, 0);
            }
            for (int j = lo; j <= i; j++) {
                double[] pr = s.p[i * t + j];
                for (int h = 0; h < n; h++) {
                    pr[h] = Subnormals.flush(pr[h] * sum[h]);
                }
                for (int c = 0; c < dh && withZ; c++) {
                    double[] zc = s.z[c * t + i], vc = s.v[c * t + j];
                    for (int h = 0; h < n; h++) {
                        zc[h] = Math.fma(pr[h], vc[h], zc[h]);
                    }
                }
            }
        }
    }

    /**
     * s.dq, s.dk, s.dv from s.q, s.k, s.v, s.p and dz (held in s.z) over the first n lanes, for the queries at
     * positions q0 … t − 1 (dz is 0 before them).
     */
    private static void backwardBlock(Scratch s, int n, double scale, int window, int q0) {
        int t = s.t, dh = s.dh;
        double[] rowDot = s.acc;
        for (int r = 0; r < dh * t; r++) {
            Arrays.fill(s.dq[r], 0, n, 0);
            Arrays.fill(s.dk[r], 0, n, 0);
            Arrays.fill(s.dv[r], 0, n, 0);
        }
        for (int i = q0; i < t; i++) {
            int lo = QkvAttentionKernel.firstKey(i, window);
            Arrays.fill(rowDot, 0, n, 0);
            for (int j = lo; j <= i; j++) {
                double[] dpj = s.dp[j], pr = s.p[i * t + j];
                laneDot(s.z, i, s.v, j, t, dh, dpj, n);
                for (int h = 0; h < n; h++) {
                    rowDot[h] = Math.fma(pr[h], dpj[h], rowDot[h]);
                }
            }
            for (int j = lo; j <= i; j++) {
                double[] ds = s.dp[j], pr = s.p[i * t + j];
                for (int h = 0; h < n; h++) {
                    ds[h] = scale * pr[h] * (ds[h] - rowDot[h]);
                }
                for (int c = 0; c < dh; c++) {
                    double[] dqc = s.dq[c * t + i], kc = s.k[c * t + j], dkc = s.dk[c * t + j];
                    double[] qc = s.q[c * t + i], dvc = s.dv[c * t + j], dzc = s.z[c * t + i];
                    for (int h = 0; h < n; h++) {
                        dqc[h] = Math.fma(ds[h], kc[h], dqc[h]);
                    }
                    for (int h = 0; h < n; h++) {
                        dkc[h] = Math.fma(ds[h], qc[h], dkc[h]);
                    }
                    for (int h = 0; h < n; h++) {
                        dvc[h] = Math.fma(pr[h], dzc[h], dvc[h]);
                    }
                }
            }
        }
    }
}
