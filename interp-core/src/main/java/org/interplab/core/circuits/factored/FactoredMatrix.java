package org.interplab.core.circuits.factored;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.nio.FloatBuffer;
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
 *   <li>{@link #top(int)}: the k largest entries, exactly. Rows are visited by decreasing ‖A_i‖ and columns sorted by
 *   decreasing ‖B_:j‖ in blocks of {@link #ROW_BLOCK} rows; since A_i·B_:j ≤ ‖A_i‖·‖B_:j‖ (Cauchy–Schwarz), a block
 *   only multiplies the column prefix whose bound can still beat the k-th best so far, and the search stops when no
 *   row can. Memory: one block of ROW_BLOCK × m floats and a bounded heap; the GEMM runs in float, the kept
 *   candidates (k plus a margin) are re-scored in double.</li>
 * </ul>
 */
public final class FactoredMatrix {
    /** Rows multiplied per GEMM in {@link #top}: a block is ROW_BLOCK × m floats (128 × 50 257 ≈ 26 MB). */
    public static final int ROW_BLOCK = 128;
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
        int n = rows(), m = cols();
        if (k <= 0 || n == 0 || m == 0) {
            return List.of();
        }
        double[] rowNorm = norms(a, true);
        double[] colNorm = norms(b, false);
        int[] rowPerm = order(rowNorm);
        int[] colPerm = order(colNorm);
        double[] sortedColNorm = new double[m];
        for (int j = 0; j < m; j++) {
            sortedColNorm[j] = colNorm[colPerm[j]];
        }
        // rows of A and columns of B (as rows of Bᵀ) in decreasing norm, contiguous so that blocks and prefixes are
        // views; one result buffer for every block (off-heap memory stays at ROW_BLOCK × m floats)
        INDArray aSorted = a.getRows(rowPerm).dup('c');
        INDArray bT = b.transpose().dup('c').getRows(colPerm).dup('c');
        INDArray buffer = Nd4j.createUninitialized(DataType.FLOAT, (long) Math.min(ROW_BLOCK, n) * m);
        FloatBuffer values = buffer.data().asNioFloat();
        int capacity = (int) Math.min((long) n * m, (long) k + MARGIN);
        TopHeap heap = new TopHeap(capacity);
        for (int start = 0; start < n; start += ROW_BLOCK) {
            int end = Math.min(n, start + ROW_BLOCK);
            double bound = rowNorm[rowPerm[start]] * (1 + 1e-4);
            int prefix = m;
            if (heap.full()) {
                double threshold = heap.minValue();
                if (bound * sortedColNorm[0] < threshold) {
                    break; // rows come by decreasing norm: no later entry can enter
                }
                prefix = columnsAbove(sortedColNorm, threshold / bound);
                if (prefix == 0) {
                    break;
                }
            }
            int blockRows = end - start;
            INDArray out = buffer.get(interval(0, (long) blockRows * prefix)).reshape('c', blockRows, prefix);
            aSorted.get(interval(start, end), all()).mmuli(bT.get(interval(0, prefix), all()).transpose(), out);
            // once the heap is full, only rows whose maximum (a native reduction) beats its minimum are read in Java
            float[] rowMax = heap.full() ? out.max(1).data().asFloat() : null;
            for (int i = 0; i < blockRows; i++) {
                if (rowMax != null && !heap.accepts(rowMax[i])) {
                    continue;
                }
                long rowKey = (long) rowPerm[start + i] * m;
                int base = i * prefix;
                for (int j = 0; j < prefix; j++) {
                    float v = values.get(base + j);
                    if (heap.accepts(v)) {
                        heap.offer(v, rowKey + colPerm[j]);
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

    /** Number of leading entries of a descending array that are ≥ x. */
    private static int columnsAbove(double[] descending, double x) {
        int lo = 0, hi = descending.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (descending[mid] >= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
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
