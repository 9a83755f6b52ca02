package org.interplab.core.model.kernels;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-Java passes over host arrays where ND4J has no fast op: the embedding's scatter-add (its backward), which
 * as a Java loop over {@code data().asDouble()} plus per-element {@code put} took ≈ 5 % of the addition step
 * (measured, 2026-12-01). The data streams once through a per-thread staging block.
 *
 * <p>They read and write through {@link DirectIo} (NIO views of host memory), so they apply only where
 * {@link #supports} holds: the CPU backend, FLOAT or DOUBLE, c-order contiguous. Callers keep their ND4J op for
 * everything else (the CUDA backend, views with strides), as the attention kernels do. Sums accumulate in double
 * whatever the storage type. (Bias rows, residual sums and column sums were tried as such passes too and were
 * slower than ND4J's ops: 0.7–1.7 ms against 0.2–0.6 ms at [4 864, 192].)
 */
public final class HostOps {
    /** Elements per staging block: two blocks of doubles stay in L1/L2. */
    private static final int BLOCK = 4096;
    private static final ThreadLocal<double[]> A = new ThreadLocal<>();

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

    /** Whether every array is FLOAT and supports these passes (the float-only ones below). */
    public static boolean supportsFloat(INDArray... arrays) {
        return supports(arrays) && arrays[0].dataType() == DataType.FLOAT;
    }

    private static final ThreadLocal<float[]> F = new ThreadLocal<>();

    private static float[] floatScratch(int n) {
        return DirectIo.floatScratch(F, n);
    }

    /**
     * The last ctx − from positions of every sequence of a residual-shaped [batch·ctx, d] FLOAT array plus
     * {@code add} [batch·(ctx − from), d]: a new [batch·(ctx − from), d] array (in the current workspace). ND4J's
     * strided view of those rows made the same gather-and-add ≈ 0.5–0.9 ms of the addition step.
     */
    public static INDArray tailRowsPlus(INDArray full, INDArray add, int batch, int ctx, int from) {
        int d = Math.toIntExact(full.size(1)), run = (ctx - from) * d;
        INDArray out = Nd4j.createUninitialized(DataType.FLOAT, (long) batch * (ctx - from), d);
        DirectIo in = DirectIo.of(full), plus = DirectIo.of(add), to = DirectIo.of(out);
        float[] s = floatScratch(2 * run);
        for (int b = 0; b < batch; b++) {
            in.read(((long) b * ctx + from) * d, s, 0, run);
            plus.read((long) b * run, s, run, run);
            for (int i = 0; i < run; i++) {
                s[i] += s[run + i];
            }
            to.write((long) b * run, s, 0, run);
        }
        return out;
    }

    /**
     * full[b·ctx + from + i, :] += tail[b·(ctx − from) + i, :] for every sequence b and i &lt; ctx − from, in place
     * (FLOAT): the inverse placement of {@link #tailRowsPlus}'s gather, as the backward pass needs it.
     */
    public static void addToTailRows(INDArray full, INDArray tail, int batch, int ctx, int from) {
        int d = Math.toIntExact(full.size(1)), run = (ctx - from) * d;
        DirectIo io = DirectIo.of(full), t = DirectIo.of(tail);
        float[] s = floatScratch(2 * run);
        for (int b = 0; b < batch; b++) {
            long at = ((long) b * ctx + from) * d;
            io.read(at, s, 0, run);
            t.read((long) b * run, s, run, run);
            for (int i = 0; i < run; i++) {
                s[i] += s[run + i];
            }
            io.write(at, s, 0, run);
        }
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
        int vocab = Math.toIntExact(target.length() / d);
        int[] slot = new int[vocab];
        int[] distinct = new int[Math.min(rows.length, vocab)];
        int[] nDistinct = {0};
        // one accumulator row per distinct target row: at most min(rows, V) (a 4.7 MB array per call when it was
        // sized by rows alone, for the addition step's 4 608 rows into 12)
        double[] acc = new double[distinct.length * d];
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
