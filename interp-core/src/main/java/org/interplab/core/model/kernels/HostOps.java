package org.interplab.core.model.kernels;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-Java element-wise passes over host arrays for the small models' step: a bias row added in place, column
 * sums (bias gradients), an in-place sum, the embedding's scatter-add. At the addition preset's shapes ([4 864, 192]
 * and smaller) each of ND4J's ops costs 0.4–1.8 ms of one core, mostly fixed cost and its single-threaded loops
 * (measured: docs/benchmarks.md, 2026-12-01); these stream the data once through a per-thread staging block.
 *
 * <p>They read and write through {@link DirectIo} (NIO views of host memory), so they apply only where
 * {@link #supports} holds: the CPU backend, FLOAT or DOUBLE, c-order contiguous. Callers keep their ND4J op for
 * everything else (the CUDA backend, views with strides), as the attention kernels do. Sums accumulate in double
 * whatever the storage type.
 */
public final class HostOps {
    /** Elements per staging block: two blocks of doubles stay in L1/L2. */
    private static final int BLOCK = 4096;
    private static final ThreadLocal<double[]> A = new ThreadLocal<>();
    private static final ThreadLocal<double[]> B = new ThreadLocal<>();

    private HostOps() {
    }

    /** Whether these passes run on {@code a}: CPU backend, FLOAT or DOUBLE, contiguous in c order. */
    public static boolean supports(INDArray a) {
        return AttentionKernel.supports(a) && DirectIo.isContiguous(a);
    }

    /** Whether every array supports these passes and all have the same data type. */
    public static boolean supports(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (!supports(a) || a.dataType() != arrays[0].dataType()) {
                return false;
            }
        }
        return true;
    }

    /** x[r, c] += row[c] for every row r of x viewed as [x.length / row.length, row.length]; returns x. */
    public static INDArray addRowVector(INDArray x, INDArray row) {
        int c = Math.toIntExact(row.length());
        if (x.length() % c != 0) {
            throw new IllegalArgumentException("row of " + c + " does not tile an array of " + x.length());
        }
        double[] r = new double[c];
        DirectIo.of(row).read(0, r, 0, c);
        forRowBlocks(DirectIo.of(x), x.length() / c, c, true, (s, nr) -> {
            for (int i = 0; i < nr; i++) {
                int base = i * c;
                for (int j = 0; j < c; j++) {
                    s[base + j] += r[j];
                }
            }
        });
        return x;
    }

    /** a += b element by element (same length); returns a. */
    public static INDArray addInPlace(INDArray a, INDArray b) {
        if (a.length() != b.length()) {
            throw new IllegalArgumentException("lengths differ: " + a.length() + " and " + b.length());
        }
        DirectIo ib = DirectIo.of(b);
        double[] t = DirectIo.scratch(B, BLOCK);
        long[] at = {0};
        forRowBlocks(DirectIo.of(a), a.length(), 1, true, (s, nr) -> {
            ib.read(at[0], t, 0, nr);
            for (int i = 0; i < nr; i++) {
                s[i] += t[i];
            }
            at[0] += nr;
        });
        return a;
    }

    /** The sums of x's columns for x [rows, cols] (x.length / cols rows), as a fresh [cols] array of x's type. */
    public static INDArray columnSums(INDArray x, int cols) {
        double[] acc = new double[cols];
        forRowBlocks(DirectIo.of(x), x.length() / cols, cols, false, (s, nr) -> {
            for (int i = 0; i < nr; i++) {
                int base = i * cols;
                for (int j = 0; j < cols; j++) {
                    acc[j] += s[base + j];
                }
            }
        });
        INDArray out = Nd4j.createUninitialized(x.dataType(), cols);
        DirectIo.of(out).write(0, acc, 0, cols);
        return out;
    }

    /** What {@link #forRowBlocks} runs on each block: {@code nr} whole rows in {@code s[0 .. nr·cols)}. */
    private interface RowBlock {
        void run(double[] s, int nr);
    }

    /**
     * Streams an array of {@code rows} × {@code cols} through per-thread scratch, as many whole rows at a time as
     * fit in {@link #BLOCK} elements (at least one), writing each block back when {@code write}.
     */
    private static void forRowBlocks(DirectIo io, long rows, int cols, boolean write, RowBlock body) {
        int perBlock = Math.max(1, BLOCK / cols);
        double[] s = DirectIo.scratch(A, perBlock * cols);
        for (long r = 0; r < rows; r += perBlock) {
            int nr = (int) Math.min(perBlock, rows - r);
            io.read(r * cols, s, 0, nr * cols);
            body.run(s, nr);
            if (write) {
                io.write(r * cols, s, 0, nr * cols);
            }
        }
    }

    /**
     * target[rows[r], :] += src[r, :] for every row r of src [rows.length, d]; target [V, d]. Each distinct row of
     * target is read and written once (the rows of one token are summed first).
     */
    public static void scatterAddRows(INDArray target, int[] rows, INDArray src) {
        int d = Math.toIntExact(src.length() / rows.length);
        int[] slot = new int[Math.toIntExact(target.length() / d)];
        int[] distinct = new int[rows.length];
        int[] nDistinct = {0};
        double[] acc = new double[rows.length * d];
        int[] r0 = {0};
        forRowBlocks(DirectIo.of(src), rows.length, d, false, (s, nr) -> {
            for (int i = 0; i < nr; i++) {
                int tok = rows[r0[0] + i];
                int k = slot[tok] - 1;
                if (k < 0) {
                    k = nDistinct[0]++;
                    slot[tok] = k + 1;
                    distinct[k] = tok;
                }
                int to = k * d, from = i * d;
                for (int j = 0; j < d; j++) {
                    acc[to + j] += s[from + j];
                }
            }
            r0[0] += nr;
        });
        DirectIo out = DirectIo.of(target);
        double[] row = new double[d];
        for (int k = 0; k < nDistinct[0]; k++) {
            long at = (long) distinct[k] * d;
            out.read(at, row, 0, d);
            for (int j = 0; j < d; j++) {
                row[j] += acc[k * d + j];
            }
            out.write(at, row, 0, d);
        }
    }
}
