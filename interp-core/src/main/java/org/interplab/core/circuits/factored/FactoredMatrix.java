package org.interplab.core.circuits.factored;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A low-rank matrix M = A·B kept as its factors, A [n, r] and B [r, m] with a small inner dimension r (TransformerLens's
 * {@code FactoredMatrix}): a head's full QK circuit W_E·W_Q·W_Kᵀ·W_Eᵀ or OV circuit W_E·W_V·W_O·W_U over a 50 257-token
 * vocabulary has r = d_head, so its singular values, its largest entries and its diagonal are found from the factors
 * without ever forming the n × m product.
 *
 * <ul>
 *   <li>{@link #singularValues()}: from the r × r cores only. With G_A = AᵀA = U·D·Uᵀ and G_B = B·Bᵀ, the non-zero
 *   singular values of A·B are the square roots of the eigenvalues of G_A^½·G_B·G_A^½ (symmetric, r × r), in
 *   double precision — O((n + m)·r²) time, O(r²) extra memory.</li>
 *   <li>{@link #top(int)}: the k largest entries, exactly. The columns of B are cut into tiles of ≈ {@link #TILE}
 *   nearby columns (a principal-direction tree), each with its centre c and radius ρ; rows are visited by decreasing
 *   ‖A_i‖ in blocks of {@link #ROW_BLOCK}. For a row and a tile, A_i·B_:j ≤ A_i·c + ‖A_i‖·ρ (the A_i·c of a block are
 *   one small GEMM against the centres), so a tile is multiplied out only when that bound can still beat the k-th
 *   best so far, and the search stops when no row can (‖A_i‖·max‖B_:j‖ below it). Memory: O(n·r + m·r) plus one
 *   block of bounds; the dot products run in float, the kept candidates (k plus a margin) are re-scored in
 *   double.</li>
 * </ul>
 */
public final class FactoredMatrix {
    /** Rows per bound GEMM in {@link #top} (ROW_BLOCK × number of tiles floats). */
    public static final int ROW_BLOCK = 256;
    /** Columns per tile in {@link #top}: one bound per (row, tile). */
    static final int TILE = 64;
    /** Candidates kept beyond k while searching in float, re-scored in double (guards float rounding at the edge). */
    static final int MARGIN = 16;

    private final INDArray a;
    private final INDArray b;

    /** One entry of the matrix. */
    public record Entry(int row, int col, double value) {
    }

    /**
     * @param a left factor [n, r]
     * @param b right factor [r, m]
     */
    public FactoredMatrix(INDArray a, INDArray b) {
        if (a.rank() != 2 || b.rank() != 2 || a.columns() != b.rows()) {
            throw new IllegalArgumentException("factors must be [n, r] and [r, m]; got " + Arrays.toString(a.shape())
                    + " and " + Arrays.toString(b.shape()));
        }
        this.a = a.castTo(DataType.FLOAT).dup('c');
        this.b = b.castTo(DataType.FLOAT).dup('c');
    }

    public int rows() {
        return (int) a.rows();
    }

    public int cols() {
        return (int) b.columns();
    }

    public int inner() {
        return (int) a.columns();
    }

    public INDArray left() {
        return a;
    }

    public INDArray right() {
        return b;
    }

    /** M[i, j] = A_i · B_:j in double. */
    public double entry(int i, int j) {
        int r = inner();
        double s = 0;
        for (int t = 0; t < r; t++) {
            s += (double) a.getFloat(i, t) * b.getFloat(t, j);
        }
        return s;
    }

    /** M[i, i] for every i (square matrices only): a head's copying score per token when M is its OV circuit. */
    public double[] diagonal() {
        if (rows() != cols()) {
            throw new IllegalArgumentException("the diagonal needs a square matrix; this one is " + rows() + " × " + cols());
        }
        int n = rows(), r = inner();
        float[] fa = a.data().asFloat();
        float[] fb = b.data().asFloat();
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int t = 0; t < r; t++) {
                s += (double) fa[i * r + t] * fb[t * n + i];
            }
            d[i] = s;
        }
        return d;
    }

    /** The singular values of A·B, largest first (r of them; those beyond the rank are ≈ 0). */
    public double[] singularValues() {
        INDArray ad = a.castTo(DataType.DOUBLE), bd = b.castTo(DataType.DOUBLE);
        INDArray gA = ad.transpose().mmul(ad);
        INDArray gB = bd.mmul(bd.transpose());
        INDArray vectors = gA.dup('f');
        double[] d = Eigen.symmetricGeneralizedEigenvalues(vectors, true).toDoubleVector();
        int r = d.length;
        INDArray rootD = Nd4j.zeros(DataType.DOUBLE, r, r);
        for (int i = 0; i < r; i++) {
            rootD.putScalar(i, i, Math.sqrt(Math.max(0, d[i])));
        }
        INDArray root = vectors.mmul(rootD).mmul(vectors.transpose()); // G_A^½
        INDArray core = root.mmul(gB).mmul(root);
        core = core.add(core.transpose()).muli(0.5).dup('f'); // symmetric up to rounding
        double[] e = Eigen.symmetricGeneralizedEigenvalues(core, false).toDoubleVector();
        double[] s = new double[e.length];
        for (int i = 0; i < e.length; i++) {
            s[i] = Math.sqrt(Math.max(0, e[i]));
        }
        Arrays.sort(s);
        for (int i = 0; i < s.length / 2; i++) {
            double t = s[i];
            s[i] = s[s.length - 1 - i];
            s[s.length - 1 - i] = t;
        }
        return s;
    }

    /** The k largest entries, largest first (ties: lower row, then lower column, first). */
    public List<Entry> top(int k) {
        int n = rows(), m = cols(), r = inner();
        if (k <= 0 || n == 0 || m == 0) {
            return List.of();
        }
        double[] rowNorm = norms(a, true);
        int[] rowPerm = order(rowNorm);
        ColumnTiles tiles = new ColumnTiles(b.data().asFloat(), r, m, TILE);
        // rows of A in decreasing norm, contiguous so that a block is a view; the bound GEMM: block · centresᵀ
        INDArray aSorted = a.getRows(rowPerm).dup('c');
        float[] fa = aSorted.data().asFloat();
        INDArray centresT = Nd4j.create(tiles.centres, new long[] {tiles.count, r}, 'c').transpose();
        int capacity = (int) Math.min((long) n * m, (long) k + MARGIN);
        TopHeap heap = new TopHeap(capacity);
        float[] acc = new float[TILE];
        float[] row = new float[r];
        for (int start = 0; start < n; start += ROW_BLOCK) {
            int end = Math.min(n, start + ROW_BLOCK);
            if (heap.full() && rowNorm[rowPerm[start]] * tiles.maxNorm * (1 + 1e-4) < heap.minValue()) {
                break; // rows come by decreasing norm: no later entry can enter (Cauchy–Schwarz)
            }
            float[] dots = aSorted.get(interval(start, end), all()).mmul(centresT).dup('c').data().asFloat();
            for (int i = start; i < end; i++) {
                double norm = rowNorm[rowPerm[i]];
                System.arraycopy(fa, i * r, row, 0, r);
                long rowKey = (long) rowPerm[i] * m;
                int base = (i - start) * tiles.count;
                for (int t = 0; t < tiles.count; t++) {
                    // ball bound: a·b = a·c + a·(b − c) ≤ a·c + ‖a‖·ρ, with a float-rounding slack on a·c
                    double bound = dots[base + t] + norm * (tiles.radius[t] + 1e-4 * (tiles.centreNorm[t]
                            + tiles.radius[t]));
                    if (heap.full() && bound < heap.minValue()) {
                        continue;
                    }
                    int size = tiles.evaluate(t, row, acc);
                    int first = tiles.start[t];
                    for (int j = 0; j < size; j++) {
                        if (heap.accepts(acc[j])) {
                            heap.offer(acc[j], rowKey + tiles.column[first + j]);
                        }
                    }
                }
            }
        }
        List<Entry> entries = new ArrayList<>();
        for (long key : heap.keys()) {
            int i = (int) (key / m), j = (int) (key % m);
            entries.add(new Entry(i, j, entry(i, j)));
        }
        entries.sort(Comparator.comparingDouble(Entry::value).reversed().thenComparingInt(Entry::row)
                .thenComparingInt(Entry::col));
        return entries.subList(0, Math.min(k, entries.size()));
    }

    /**
     * The columns of B cut into tiles of nearby columns (a principal-direction tree: each split halves a group at the
     * median of its projection on its top principal direction, until a group has at most {@code tile} columns). Per
     * tile: its columns, stored [inner index][column in tile] so that one row's dot products with the whole tile are
     * contiguous multiply-adds, the centre c (mean) and the radius ρ = max ‖b − c‖ (in double, rounded up).
     */
    static final class ColumnTiles {
        final int r;
        final int count;
        final int[] column;     // columns in tile order
        final int[] start;      // [count + 1]
        final float[] data;     // tile t: data[start[t]·r + s·size + j] = B[s, column[start[t] + j]]
        final float[] centres;  // [count, r]
        final double[] radius;
        final double[] centreNorm;
        final double maxNorm;   // max ‖B_:j‖

        ColumnTiles(float[] fb, int r, int m, int tile) {
            this.r = r;
            column = new int[m];
            for (int j = 0; j < m; j++) {
                column[j] = j;
            }
            List<Integer> starts = new ArrayList<>();
            split(fb, m, 0, m, tile, starts);
            starts.add(m);
            count = starts.size() - 1;
            start = starts.stream().mapToInt(Integer::intValue).toArray();
            data = new float[r * m];
            centres = new float[count * r];
            radius = new double[count];
            centreNorm = new double[count];
            double maxSq = 0;
            for (int t = 0; t < count; t++) {
                int size = start[t + 1] - start[t];
                double[] c = new double[r];
                for (int j = 0; j < size; j++) {
                    int col = column[start[t] + j];
                    double sq = 0;
                    for (int s = 0; s < r; s++) {
                        float v = fb[s * m + col];
                        data[start[t] * r + s * size + j] = v;
                        c[s] += v;
                        sq += (double) v * v;
                    }
                    maxSq = Math.max(maxSq, sq);
                }
                double cn = 0;
                for (int s = 0; s < r; s++) {
                    c[s] /= size;
                    centres[t * r + s] = (float) c[s];
                    cn += (double) centres[t * r + s] * centres[t * r + s];
                }
                centreNorm[t] = Math.sqrt(cn);
                double rho = 0;
                for (int j = 0; j < size; j++) {
                    int col = column[start[t] + j];
                    double d = 0;
                    for (int s = 0; s < r; s++) {
                        double e = fb[s * m + col] - (double) centres[t * r + s]; // from the float centre used
                        d += e * e;
                    }
                    rho = Math.max(rho, d);
                }
                radius[t] = Math.sqrt(rho) * (1 + 1e-6) + 1e-30;
            }
            maxNorm = Math.sqrt(maxSq);
        }

        /** acc[j] = row · B[:, column[start[t] + j]] for the tile's columns, in float; returns the tile's size. */
        int evaluate(int t, float[] row, float[] acc) {
            int size = start[t + 1] - start[t], off = start[t] * r;
            Arrays.fill(acc, 0, size, 0f);
            for (int s = 0; s < r; s++) {
                float x = row[s];
                int o = off + s * size;
                for (int j = 0; j < size; j++) {
                    acc[j] += x * data[o + j];
                }
            }
            return size;
        }

        /** Splits column[lo, hi) at the median of the projections on the group's top principal direction. */
        private void split(float[] fb, int m, int lo, int hi, int tile, List<Integer> starts) {
            int size = hi - lo;
            if (size <= tile) {
                starts.add(lo);
                return;
            }
            double[] mean = new double[r];
            for (int j = lo; j < hi; j++) {
                for (int s = 0; s < r; s++) {
                    mean[s] += fb[s * m + column[j]];
                }
            }
            for (int s = 0; s < r; s++) {
                mean[s] /= size;
            }
            double[] v = new double[r];
            Arrays.fill(v, 1 / Math.sqrt(r));
            double[] x = new double[r];
            for (int iter = 0; iter < 8; iter++) { // power iteration on the group's covariance
                double[] next = new double[r];
                for (int j = lo; j < hi; j++) {
                    double p = 0;
                    for (int s = 0; s < r; s++) {
                        x[s] = fb[s * m + column[j]] - mean[s];
                        p += x[s] * v[s];
                    }
                    for (int s = 0; s < r; s++) {
                        next[s] += p * x[s];
                    }
                }
                double norm = 0;
                for (double e : next) {
                    norm += e * e;
                }
                if (norm == 0) {
                    break;
                }
                for (int s = 0; s < r; s++) {
                    v[s] = next[s] / Math.sqrt(norm);
                }
            }
            // order the group by projection (ties by column, so the tiling is deterministic) and halve it
            int[] sorted = new int[size];
            double[] proj = new double[size];
            for (int j = 0; j < size; j++) {
                double p = 0;
                for (int s = 0; s < r; s++) {
                    p += fb[s * m + column[lo + j]] * v[s];
                }
                proj[j] = p;
            }
            Integer[] idx = new Integer[size];
            for (int j = 0; j < size; j++) {
                idx[j] = j;
            }
            Arrays.sort(idx, (p, q) -> {
                int c = Double.compare(proj[p], proj[q]);
                return c != 0 ? c : Integer.compare(column[lo + p], column[lo + q]);
            });
            for (int j = 0; j < size; j++) {
                sorted[j] = column[lo + idx[j]];
            }
            for (int j = 0; j < size; j++) {
                column[lo + j] = sorted[j];
            }
            int mid = lo + size / 2;
            split(fb, m, lo, mid, tile, starts);
            split(fb, m, mid, hi, tile, starts);
        }
    }

    private static double[] norms(INDArray x, boolean rows) {
        int n = (int) (rows ? x.rows() : x.columns()), r = (int) (rows ? x.columns() : x.rows());
        float[] f = x.data().asFloat();
        double[] out = new double[n];
        int cols = (int) x.columns();
        for (int i = 0; i < n; i++) {
            double s = 0;
            for (int t = 0; t < r; t++) {
                float v = rows ? f[i * cols + t] : f[t * cols + i];
                s += (double) v * v;
            }
            out[i] = Math.sqrt(s);
        }
        return out;
    }

    /** Indices by decreasing norm, ties to the lower index. */
    private static int[] order(double[] norms) {
        Integer[] idx = new Integer[norms.length];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        Arrays.sort(idx, (p, q) -> {
            int c = Double.compare(norms[q], norms[p]);
            return c != 0 ? c : Integer.compare(p, q);
        });
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    /** A min-heap of (float value, long key) pairs keeping the largest {@code capacity} values. */
    static final class TopHeap {
        private final float[] values;
        private final long[] keys;
        private int size;

        TopHeap(int capacity) {
            values = new float[capacity];
            keys = new long[capacity];
        }

        boolean full() {
            return size == values.length;
        }

        float minValue() {
            return values[0];
        }

        boolean accepts(float v) {
            return size < values.length || v > values[0];
        }

        void offer(float v, long key) {
            if (size < values.length) {
                int i = size++;
                values[i] = v;
                keys[i] = key;
                while (i > 0 && values[(i - 1) / 2] > values[i]) {
                    swap(i, (i - 1) / 2);
                    i = (i - 1) / 2;
                }
                return;
            }
            values[0] = v;
            keys[0] = key;
            int i = 0;
            while (true) {
                int l = 2 * i + 1, r = l + 1, s = i;
                if (l < size && values[l] < values[s]) {
                    s = l;
                }
                if (r < size && values[r] < values[s]) {
                    s = r;
                }
                if (s == i) {
                    return;
                }
                swap(i, s);
                i = s;
            }
        }

        long[] keys() {
            return Arrays.copyOf(keys, size);
        }

        private void swap(int i, int j) {
            float v = values[i];
            values[i] = values[j];
            values[j] = v;
            long k = keys[i];
            keys[i] = keys[j];
            keys[j] = k;
        }
    }
}
