package org.interplab.core.model.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The elementwise part of the TMS model's reconstruction loss and its backward, fused into one pass over
 * [n_instances, batch, n_features] on the CPU (the GEMMs around it stay with ND4J).
 *
 * <p>Why: ND4J ran this part as about ten separate elementwise ops, each with a fresh [I, B, F] temporary, two of
 * them broadcasts over the batch (bias, importance) and one a reduction along the batch (the bias gradient); at the
 * tms-sparsity shapes (20 × 1024 × 100) those took ≈ 60 % of the step. Here each block of rows is read once into
 * per-thread scratch through the arrays' NIO views (FLOAT or DOUBLE, computed in double), and written once.
 */
public final class TmsKernel {
    private static final ThreadLocal<double[]> SCRATCH = new ThreadLocal<>();
    /** Rows per block: four [rows, F] double blocks stay in L1/L2 and I/O calls stay few. */
    private static final int BLOCK_DOUBLES = 1 << 12;
    /**
     * Examples per block in {@link #reluStep}: long enough that a loop along the block (dh = dz·W) vectorises, small
     * enough that the block's rows stay in L2.
     */
    private static final int ROWS = 64;

    private TmsKernel() {
    }

    /** Whether the pass can run on these arrays: CPU backend (host memory), FLOAT or DOUBLE, all one type. */
    public static boolean supports(INDArray... arrays) {
        if (!Nd4j.getEnvironment().isCPU()) {
            return false;
        }
        DataType dt = arrays[0].dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            return false;
        }
        for (INDArray a : arrays) {
            if (a != null && a.dataType() != dt) {
                return false;
            }
        }
        return true;
    }

    /**
     * For instance i, example b, feature f (a [I, B, F], c order): with {@code bias} given, z = a + bias[i, f],
     * out = max(z, 0), d = [z &gt; 0] (ReLU); else out = a (already activated) and d = {@code deriv}. Then
     * e = out − x, the instance's loss Σ_b Σ_f importance_f·e² / B, and, when {@code dPre} is given,
     * dPre = 2·importance_f·e·d / B and {@code dBias}[i, f] = Σ_b dPre. {@code a} is overwritten with out.
     *
     * @param a      [I, B, F]: h·Wᵀ (ReLU: without the bias) or the activated output
     * @param bias   [I, F], or null when {@code a} is already the output
     * @param deriv  [I, B, F] act′(z) when {@code bias} is null, else ignored
     * @param dPre   [I, B, F] written (gradient wrt the pre-activation), or null for the loss only
     * @param dBias  [I, F] written, or null for the loss only
     * @return each instance's reconstruction loss
     */
    public static double[] reconstruction(INDArray a, INDArray bias, INDArray deriv, INDArray x,
                                          double[] importance, INDArray dPre, INDArray dBias) {
        int nInst = Math.toIntExact(a.size(0)), batch = Math.toIntExact(a.size(1));
        int f = Math.toIntExact(a.size(2));
        if (!Arrays.equals(a.shape(), x.shape()) || importance.length != f) {
            throw new IllegalArgumentException("shapes: a " + Arrays.toString(a.shape()) + ", x "
                    + Arrays.toString(x.shape()) + ", importance " + importance.length);
        }
        boolean relu = bias != null, grads = dPre != null;
        INDArray ac = DirectIo.contiguous(a);
        DirectIo aio = DirectIo.of(ac), xio = DirectIo.of(DirectIo.contiguous(x));
        DirectIo dio = relu ? null : DirectIo.of(DirectIo.contiguous(deriv));
        DirectIo bio = relu ? DirectIo.of(DirectIo.contiguous(bias)) : null;
        DirectIo gio = grads ? DirectIo.of(dPre) : null;
        DirectIo dbio = grads ? DirectIo.of(dBias) : null;
        double[] loss = new double[nInst];
        int rows = Math.max(1, Math.min(batch, BLOCK_DOUBLES / f));
        double scale = 2.0 / batch;
        KernelThreads.forRange(nInst, (long) batch * f * 8, (from, to) -> {
            // scratch: out | x | d | bias | dBias
            double[] s = DirectIo.scratch(SCRATCH, 3 * rows * f + 2 * f);
            int ox = rows * f, od = 2 * rows * f, ob = 3 * rows * f, odb = ob + f;
            for (int i = from; i < to; i++) {
                long base = (long) i * batch * f;
                if (relu) {
                    bio.read((long) i * f, s, ob, f);
                }
                Arrays.fill(s, odb, odb + f, 0.0);
                double sum = 0;
                for (int b0 = 0; b0 < batch; b0 += rows) {
                    int n = Math.min(rows, batch - b0) * f;
                    long at = base + (long) b0 * f;
                    aio.read(at, s, 0, n);
                    xio.read(at, s, ox, n);
                    if (!relu) {
                        dio.read(at, s, od, n);
                    }
                    for (int r = 0; r < n; r += f) {
                        for (int j = 0; j < f; j++) {
                            double out, d;
                            if (relu) {
                                double z = s[r + j] + s[ob + j];
                                out = z > 0 ? z : 0;
                                d = z > 0 ? 1 : 0;
                                s[r + j] = out;
                            } else {
                                out = s[r + j];
                                d = s[od + r + j];
                            }
                            double e = out - s[ox + r + j];
                            double we = importance[j] * e;
                            sum += we * e;
                            double g = scale * we * d;
                            s[od + r + j] = g;
                            s[odb + j] += g;
                        }
                    }
                    if (relu) {
                        aio.write(at, s, 0, n);
                    }
                    if (grads) {
                        gio.write(at, s, od, n);
                    }
                }
                loss[i] = sum / batch;
                if (grads) {
                    dbio.write((long) i * f, s, odb, f);
                }
            }
        });
        if (ac != a) {
            a.assign(ac);
        }
        return loss;
    }

    /** Each instance's loss (reconstruction + L1), and the gradients wrt W [I, F, H] and b_final [I, F]. */
    public record Step(double[] instanceLoss, INDArray dW, INDArray dBias) {
    }

    /**
     * The whole ReLU TMS forward and backward, one example at a time, without any [I, B, F] temporary: per instance
     * i and example b, h = x·W_i over x's nonzero entries only, h' = h·mask, z = h'·W_iᵀ + b_i, out = max(z, 0),
     * e = out − x, loss_i += Σ_f importance_f·e² / B + l1·Σ_k |h_k| / B; dz = 2·importance·e·[z &gt; 0] / B,
     * db_i += dz, dW_i += dzᵀ·h' (decoder) + xᵀ·dh (encoder, nonzero x only) with
     * dh = (dz·W_i)·mask + l1·sign(h) / B. Every inner loop runs over a whole row of the weights (length F or H) into
     * per-thread double arrays, which C2 vectorises; instances run in parallel on {@link KernelThreads}.
     *
     * @param x    [I, B, F] inputs (mostly zeros at low feature probability; any values work)
     * @param w    [I, F, H]
     * @param bias [I, F]
     * @param mask [I, B, H] dropout mask (0 or 1/(1 − p)), or null
     */
    public static Step reluStep(INDArray x, INDArray w, INDArray bias, INDArray mask, double[] importance,
                                double l1) {
        int nInst = Math.toIntExact(x.size(0)), batch = Math.toIntExact(x.size(1));
        int f = Math.toIntExact(x.size(2)), hid = Math.toIntExact(w.size(2));
        if (w.size(0) != nInst || w.size(1) != f || importance.length != f
                || (mask != null && (mask.size(1) != batch || mask.size(2) != hid))) {
            throw new IllegalArgumentException("shapes: x " + Arrays.toString(x.shape()) + ", W "
                    + Arrays.toString(w.shape()) + ", mask " + (mask == null ? "-" : Arrays.toString(mask.shape())));
        }
        DirectIo xio = DirectIo.of(DirectIo.contiguous(x)), wio = DirectIo.of(DirectIo.contiguous(w));
        DirectIo bio = DirectIo.of(DirectIo.contiguous(bias));
        DirectIo mio = mask == null ? null : DirectIo.of(DirectIo.contiguous(mask));
        INDArray dW = Nd4j.createUninitialized(x.dataType(), nInst, f, hid);
        INDArray dBias = Nd4j.createUninitialized(x.dataType(), nInst, f);
        DirectIo dwio = DirectIo.of(dW), dbio = DirectIo.of(dBias);
        double[] loss = new double[nInst];
        double scale = 2.0 / batch, l1Scale = l1 / batch;
        KernelThreads.forRange(nInst, (long) batch * f * hid * 3, (from, to) -> {
            double[] wFlat = new double[f * hid], mRow = new double[hid];
            double[][] wRows = new double[f][hid], wCols = new double[hid][f], dDec = new double[hid][f];
            double[][] dEnc = new double[f][hid];
            double[][] xs = new double[ROWS][f], hs = new double[ROWS][hid], hds = new double[ROWS][hid];
            double[][] zs = new double[ROWS][f], dzs = new double[ROWS][f];
            // the block's dz transposed [F][ROWS] and dh transposed [H][ROWS]: dh = dz·W as long rows
            double[][] dzT = new double[f][ROWS], dhT = new double[hid][ROWS];
            double[] b = new double[f], db = new double[f];
            int[][] present = new int[ROWS][f];
            int[] nPresent = new int[ROWS], active = new int[f];
            long[] rowOf = new long[ROWS];
            boolean[] colActive = new boolean[f];
            double[][] gramM = new double[f][f], gramG = new double[f][f];
            for (int i = from; i < to; i++) {
                wio.read((long) i * f * hid, wFlat, 0, f * hid);
                for (int j = 0; j < f; j++) {
                    for (int k = 0; k < hid; k++) {
                        wRows[j][k] = wFlat[j * hid + k];
                        wCols[k][j] = wFlat[j * hid + k];
                    }
                    Arrays.fill(dEnc[j], 0.0);
                }
                for (double[] row : dDec) {
                    Arrays.fill(row, 0.0);
                }
                bio.read((long) i * f, b, 0, f);
                Arrays.fill(db, 0.0);
                double sum = 0, abs = 0;
                int empty = 0, q = 0;
                if (mio == null && gramCheaper(xio, (long) i * batch, batch, f, hid, xs[0])) {
                    double[] r = gramInstance(xio, (long) i * batch, batch, f, hid, wRows, wCols, b, importance,
                            scale, l1Scale, gramM, gramG, xs[0], present[0], zs[0], dzs[0], hs[0], mRow, dzT, db,
                            colActive, active, dEnc);
                    sum = r[0];
                    abs = r[1];
                    empty = (int) r[2];
                } else {
                    for (int r = 0; r <= batch; r++) {
                        if (r < batch) {
                            long row = (long) i * batch + r;
                            double[] x1 = xs[q];
                            xio.read(row * f, x1, 0, f);
                            int n = present(x1, present[q], f);
                            if (n == 0) {
                                // h = 0, z = b: the same loss and dz for every empty row, and no W gradient
                                empty++;
                                continue;
                            }
                            nPresent[q] = n;
                            rowOf[q] = row;
                            abs += forwardRow(q, x1, present[q], n, mio, row, mRow, wRows, wCols, b, hs, hds, zs, hid,
                                    f);
                            sum += outputRow(zs[q], x1, importance, scale, dzs[q], dzT, q, db, colActive, f);
                            if (++q < ROWS) {
                                continue;
                            }
                        }
                        if (q == 0) {
                            continue;
                        }
                        int m = q;
                        for (; q < ROWS; q++) {
                            // a short block: rows that add nothing
                            Arrays.fill(hds[q], 0.0);
                            Arrays.fill(dzs[q], 0.0);
                            for (int j = 0; j < f; j++) {
                                dzT[j][q] = 0;
                            }
                        }
                        int nActive = 0;
                        for (int j = 0; j < f; j++) {
                            if (colActive[j]) {
                                active[nActive++] = j;
                                colActive[j] = false;
                            }
                        }
                        backwardBlock(hds, dzs, dzT, wRows, dDec, dhT, active, nActive, hid, f);
                        for (int u = 0; u < m; u++) {
                            double[] h = hs[u], x1 = xs[u];
                            if (mio != null) {
                                mio.read(rowOf[u] * hid, mRow, 0, hid);
                            }
                            // dh: mask and L1, then the encoder gradient xᵀ·dh over the present features
                            for (int k = 0; k < hid; k++) {
                                double mk = mio == null ? 1 : mRow[k];
                                mRow[k] = dhT[k][u] * mk + (h[k] > 0 ? l1Scale : h[k] < 0 ? -l1Scale : 0);
                            }
                            int[] idx = present[u];
                            for (int t = 0; t < nPresent[u]; t++) {
                                axpy(dEnc[idx[t]], x1[idx[t]], mRow, hid);
                            }
                        }
                        q = 0;
                    }
                }
                if (empty > 0) {
                    double[] z = zs[0], dz = dzs[0];
                    System.arraycopy(b, 0, z, 0, f);
                    Arrays.fill(xs[0], 0.0);
                    Arrays.fill(colActive, false);
                    double[] dbEmpty = new double[f];
                    sum += empty * outputRow(z, xs[0], importance, scale, dz, dzT, 0, dbEmpty, colActive, f);
                    Arrays.fill(colActive, false);
                    for (int j = 0; j < f; j++) {
                        db[j] += empty * dbEmpty[j];
                    }
                }
                loss[i] = sum / batch + l1Scale * abs;
                for (int j = 0; j < f; j++) {
                    for (int k = 0; k < hid; k++) {
                        wFlat[j * hid + k] = dEnc[j][k] + dDec[k][j];
                    }
                }
                dwio.write((long) i * f * hid, wFlat, 0, f * hid);
                dbio.write((long) i * f, db, 0, f);
            }
        });
        return new Step(loss, dW, dBias);
    }

    /**
     * Whether an instance's batch is cheaper by {@link #gramInstance} (about 2·F multiply-adds per present entry)
     * than by blocks (about 3·F·H per example with an entry).
     */
    private static boolean gramCheaper(DirectIo xio, long row0, int batch, int f, int hid, double[] x1) {
        long entries = 0, rows = 0;
        for (int r = 0; r < batch; r++) {
            xio.read((row0 + r) * f, x1, 0, f);
            int n = 0;
            for (int j = 0; j < f; j++) {
                n += x1[j] != 0 ? 1 : 0;
            }
            entries += n;
            rows += n > 0 ? 1 : 0;
        }
        return 2 * entries < 3L * hid * rows;
    }

    /**
     * One instance without dropout, through the F×F matrices M = W·Wᵀ and G = xᵀ·dz, for sparse inputs: z = x·M + b
     * over x's present entries, G += x_jᵀ·dz per present entry, and at the end dW = (G + Gᵀ)·W (encoder xᵀ·dz·W plus
     * decoder dzᵀ·x·W), plus the L1 term xᵀ·sign(h)·l1/B into dW. Empty examples are counted (the caller adds
     * their common loss and dz). Adds to db and dW (zeroed by the caller); returns {Σ importance·e², Σ|h|, empty}.
     */
    private static double[] gramInstance(DirectIo xio, long row0, int batch, int f, int hid, double[][] wRows,
                                         double[][] wCols, double[] b, double[] importance, double scale,
                                         double l1Scale, double[][] m, double[][] g, double[] x1, int[] idx,
                                         double[] z, double[] dz, double[] h, double[] sign, double[][] dzT,
                                         double[] db, boolean[] colActive, int[] active, double[][] dW) {
        for (int j = 0; j < f; j++) {
            Arrays.fill(m[j], 0.0);
            Arrays.fill(g[j], 0.0);
            for (int k = 0; k < hid; k++) {
                axpy(m[j], wRows[j][k], wCols[k], f);
            }
        }
        double sum = 0, abs = 0;
        int empty = 0;
        for (int r = 0; r < batch; r++) {
            xio.read((row0 + r) * f, x1, 0, f);
            int n = present(x1, idx, f);
            if (n == 0) {
                empty++;
                continue;
            }
            System.arraycopy(b, 0, z, 0, f);
            for (int t = 0; t < n; t++) {
                axpy(z, x1[idx[t]], m[idx[t]], f);
            }
            sum += outputRow(z, x1, importance, scale, dz, dzT, 0, db, colActive, f);
            // G += xᵀ·dz: over the outputs with a gradient only when few have one (dead outputs, trained models)
            int nActive = 0;
            for (int j = 0; j < f; j++) {
                if (dz[j] != 0) {
                    active[nActive++] = j;
                }
            }
            for (int t = 0; t < n; t++) {
                double[] gj = g[idx[t]];
                double xj = x1[idx[t]];
                if (4 * nActive < f) {
                    for (int u = 0; u < nActive; u++) {
                        gj[active[u]] += xj * dz[active[u]];
                    }
                } else {
                    axpy(gj, xj, dz, f);
                }
            }
            if (l1Scale != 0) {
                Arrays.fill(h, 0.0);
                for (int t = 0; t < n; t++) {
                    axpy(h, x1[idx[t]], wRows[idx[t]], hid);
                }
                for (int k = 0; k < hid; k++) {
                    abs += Math.abs(h[k]);
                    sign[k] = h[k] > 0 ? l1Scale : h[k] < 0 ? -l1Scale : 0;
                }
                for (int t = 0; t < n; t++) {
                    axpy(dW[idx[t]], x1[idx[t]], sign, hid);
                }
            }
        }
        Arrays.fill(colActive, false);
        for (int j = 0; j < f; j++) {
            for (int j2 = 0; j2 < f; j2++) {
                double s = g[j][j2] + g[j2][j];
                if (s != 0) {
                    axpy(dW[j], s, wRows[j2], hid);
                }
            }
        }
        return new double[] {sum, abs, empty};
    }

    /** h = x·W over the present features, h' = h·mask, z = h'·Wᵀ + b into slot q; returns Σ|h|. */
    private static double forwardRow(int q, double[] x1, int[] idx, int n, DirectIo mio, long row, double[] mRow,
                                     double[][] wRows, double[][] wCols, double[] b, double[][] hs, double[][] hds,
                                     double[][] zs, int hid, int f) {
        double[] h = hs[q], hd = hds[q], z = zs[q];
        Arrays.fill(h, 0.0);
        for (int t = 0; t < n; t++) {
            axpy(h, x1[idx[t]], wRows[idx[t]], hid);
        }
        if (mio != null) {
            mio.read(row * hid, mRow, 0, hid);
        }
        double abs = 0;
        for (int k = 0; k < hid; k++) {
            hd[k] = mio == null ? h[k] : h[k] * mRow[k];
            abs += Math.abs(h[k]);
        }
        // four hidden units per pass over z
        System.arraycopy(b, 0, z, 0, f);
        int k = 0;
        for (; k + 4 <= hid; k += 4) {
            axpy4(z, hd[k], wCols[k], hd[k + 1], wCols[k + 1], hd[k + 2], wCols[k + 2], hd[k + 3], wCols[k + 3], f);
        }
        for (; k < hid; k++) {
            axpy(z, hd[k], wCols[k], f);
        }
        return abs;
    }

    /**
     * out = max(z, 0), e = out − x, dz = scale·importance·e·[z &gt; 0] into dz, column q of dzT and db (added), the
     * columns with a gradient flagged; returns Σ importance·e².
     */
    private static double outputRow(double[] z, double[] x1, double[] importance, double scale, double[] dz,
                                    double[][] dzT, int q, double[] db, boolean[] colActive, int f) {
        double sum = 0;
        for (int j = 0; j < f; j++) {
            double out = z[j] > 0 ? z[j] : 0;
            double e = out - x1[j];
            double we = importance[j] * e;
            sum += we * e;
            double g = z[j] > 0 ? scale * we : 0;
            dz[j] = g;
            dzT[j][q] = g;
            db[j] += g;
            colActive[j] |= g != 0;
        }
        return sum;
    }

    /**
     * For a block of examples: the decoder gradient dDec[k] += Σ_q h'_q[k]·dz_q (four examples per pass over a row
     * of it), and dhᵀ[k] = Σ_j W[j][k]·dzᵀ[j] over the columns with a gradient (four per pass over a row of dhᵀ).
     */
    private static void backwardBlock(double[][] hds, double[][] dzs, double[][] dzT, double[][] wRows,
                                      double[][] dDec, double[][] dhT, int[] active, int nActive, int hid, int f) {
        for (int k = 0; k < hid; k++) {
            double[] dd = dDec[k], dht = dhT[k];
            for (int q = 0; q + 4 <= ROWS; q += 4) {
                axpy4(dd, hds[q][k], dzs[q], hds[q + 1][k], dzs[q + 1], hds[q + 2][k], dzs[q + 2], hds[q + 3][k],
                        dzs[q + 3], f);
            }
            Arrays.fill(dht, 0.0);
            int t = 0;
            for (; t + 4 <= nActive; t += 4) {
                int j0 = active[t], j1 = active[t + 1], j2 = active[t + 2], j3 = active[t + 3];
                axpy4(dht, wRows[j0][k], dzT[j0], wRows[j1][k], dzT[j1], wRows[j2][k], dzT[j2], wRows[j3][k],
                        dzT[j3], ROWS);
            }
            for (; t < nActive; t++) {
                axpy(dht, wRows[active[t]][k], dzT[active[t]], ROWS);
            }
        }
    }

    /** The indices of x's nonzero entries into idx; returns their count. */
    private static int present(double[] x, int[] idx, int n) {
        int c = 0;
        for (int j = 0; j < n; j++) {
            if (x[j] != 0) {
                idx[c++] = j;
            }
        }
        return c;
    }

    /** y += a0·x0 + a1·x1 + a2·x2 + a3·x3 over [0, n): one load and store of y for four products. */
    private static void axpy4(double[] y, double a0, double[] x0, double a1, double[] x1, double a2, double[] x2,
                              double a3, double[] x3, int n) {
        for (int t = 0; t < n; t++) {
            y[t] += a0 * x0[t] + a1 * x1[t] + a2 * x2[t] + a3 * x3[t];
        }
    }

    /** y[0..n) += a·x[0..n) (same index on both sides, which C2 vectorises). */
    private static void axpy(double[] y, double a, double[] x, int n) {
        for (int t = 0; t < n; t++) {
            y[t] += a * x[t];
        }
    }
}
