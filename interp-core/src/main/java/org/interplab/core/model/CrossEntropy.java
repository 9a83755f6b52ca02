package org.interplab.core.model;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import org.interplab.core.model.kernels.FastExp;
import org.interplab.core.model.kernels.Subnormals;
import org.interplab.core.model.kernels.KernelThreads;
import org.interplab.core.task.TokenBatch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mean cross-entropy over the positions with a target, from target indices (no one-hot target): loss =
 * −mean_r log softmax(logits_r)[y_r]; d loss / d logits_r = (softmax(logits_r) − e_{y_r}) / count, 0 at
 * {@link TokenBatch#NO_LOSS} positions; and, with the gradient, its column sums (the unembedding bias gradient).
 *
 * <p>One fused pass per row, in Java over the logits' off-heap memory: the row (50 257 floats for an LM = 200 KB)
 * is read once into a buffer that stays in the core's L2 cache, then row max, e^(x − max) with the vectorised
 * {@link FastExp}, the row sum, the loss term, and with the gradient (softmax − one-hot)/count written back (over
 * the logits with {@code overwrite}, else into a new array) while its column sums accumulate. ND4J's op-by-op
 * version (max, subtract, exp, sum, scale, then the bias gradient as a GEMV) made six passes over the
 * [tokens, vocabulary] array, each limited by memory bandwidth: ≈ 330 ms of a 660 ms `tinystories-1l` step
 * (measured: docs/benchmarks.md). The rows are split into {@link KernelThreads#get()} parts, each with its own
 * column sums, run on the common fork-join pool and the calling thread. Arithmetic is in double whatever the
 * storage type.
 */
final class CrossEntropy {
    /** The loss; with the gradient also d loss / d logits [rows, vocab] and its column sums [vocab]. */
    record Result(double loss, INDArray dLogits, INDArray dBias) {
    }

    /** Elements per e^x call: the call's three double arrays stay in L1. */
    private static final int CHUNK = 1024;
    /** Below this many logits the pass runs on the calling thread. */
    private static final long MIN_PARALLEL = 1L << 20;

    private CrossEntropy() {
    }

    /** {@code logits} [batch·pos, d_vocab_out], left intact; dLogits only when {@code withGradient}. */
    static Result of(INDArray logits, int[][] targets, boolean withGradient) {
        return of(logits, targets, withGradient, false);
    }

    /** As {@link #of(INDArray, int[][], boolean)}; with {@code overwrite} the logits are consumed. */
    static Result of(INDArray logits, int[][] targets, boolean withGradient, boolean overwrite) {
        int n = (int) logits.size(0), vOut = (int) logits.size(1);
        int[] target = flatTargets(targets, n, vOut);
        int count = 0;
        for (int y : target) {
            count += y == TokenBatch.NO_LOSS ? 0 : 1;
        }
        if (count == 0) {
            throw new IllegalArgumentException("batch has no loss positions");
        }
        DataType type = logits.dataType();
        if (type != DataType.FLOAT && type != DataType.DOUBLE) {
            throw new IllegalArgumentException("expected FLOAT or DOUBLE logits, got " + type);
        }
        boolean rowMajor = Shape.hasDefaultStridesForShape(logits) && logits.ordering() == 'c';
        INDArray in = rowMajor ? logits : logits.dup('c');
        INDArray out = !withGradient ? null
                : overwrite || in != logits ? in : Nd4j.createUninitialized(type, n, vOut);
        int parts = (long) n * vOut < MIN_PARALLEL ? 1 : Math.min(n, KernelThreads.get());
        List<Part> work = new ArrayList<>(parts);
        for (int p = 0; p < parts; p++) {
            work.add(new Part(in, out, target, count, vOut, (int) ((long) n * p / parts),
                    (int) ((long) n * (p + 1) / parts)));
        }
        if (parts == 1) {
            work.get(0).run();
        } else {
            // the caller runs the first part and takes back any part no pool thread has started (a busy pool
            // delays nothing)
            List<ForkJoinTask<?>> tasks = new ArrayList<>(parts);
            work.forEach(p -> tasks.add(ForkJoinTask.adapt(p)));
            ForkJoinTask.invokeAll(tasks);
        }
        double loss = 0;
        for (Part p : work) {
            loss += p.loss;
        }
        loss /= count;
        if (!withGradient) {
            return new Result(loss, null, null);
        }
        double[] colSums = work.get(0).colSums;
        for (int p = 1; p < parts; p++) {
            double[] s = work.get(p).colSums;
            for (int j = 0; j < vOut; j++) {
                colSums[j] += s[j];
            }
        }
        INDArray dBias = Nd4j.createUninitialized(type, vOut);
        Rows.of(dBias).write(0, colSums, vOut);
        return new Result(loss, out, dBias);
    }

    private static int[] flatTargets(int[][] targets, int n, int vOut) {
        int ctx = n / targets.length;
        int[] target = new int[n];
        for (int i = 0; i < targets.length; i++) {
            for (int p = 0; p < ctx; p++) {
                int y = targets[i][p];
                if (y != TokenBatch.NO_LOSS && (y < 0 || y >= vOut)) {
                    throw new IllegalArgumentException("target " + y + " outside 0.." + (vOut - 1));
                }
                target[i * ctx + p] = y;
            }
        }
        return target;
    }

    /** Rows [from, to) of the pass: their loss sum and (with an output) their gradient's column sums. */
    private static final class Part implements Runnable {
        private final Rows in;
        private final Rows out;
        private final int[] target;
        private final int count;
        private final int vOut;
        private final int from;
        private final int to;
        final double[] colSums;
        double loss;

        Part(INDArray in, INDArray out, int[] target, int count, int vOut, int from, int to) {
            this.in = Rows.of(in);
            this.out = out == null ? null : Rows.of(out);
            this.target = target;
            this.count = count;
            this.vOut = vOut;
            this.from = from;
            this.to = to;
            this.colSums = out == null ? null : new double[vOut];
        }

        @Override
        public void run() {
            double[] row = new double[vOut];
            double[] x = new double[CHUNK], shift = new double[CHUNK], tmp = new double[CHUNK];
            double invCount = 1.0 / count;
            for (int r = from; r < to; r++) {
                int y = target[r];
                long at = (long) r * vOut;
                if (y == TokenBatch.NO_LOSS) {
                    if (out != null) {
                        java.util.Arrays.fill(row, 0.0);
                        out.write(at, row, vOut);
                    }
                    continue;
                }
                in.read(at, row, vOut);
                double max = max(row, vOut);
                double target = row[y];
                java.util.Arrays.fill(shift, max);
                double sum = 0;
                for (int c = 0; c < vOut; c += CHUNK) {
                    int len = Math.min(CHUNK, vOut - c);
                    System.arraycopy(row, c, x, 0, len);
                    FastExp.expShifted(x, shift, x, tmp, len);
                    sum += sum(x, len);
                    System.arraycopy(x, 0, row, c, len);
                }
                loss += Math.log(sum) - (target - max);
                if (out != null) {
                    double scale = invCount / sum;
                    for (int j = 0; j < vOut; j++) {
                        double g = row[j] * scale;
                        row[j] = g;
                        colSums[j] += g;
                    }
                    row[y] -= invCount;
                    colSums[y] -= invCount;
                    out.write(at, row, vOut);
                }
            }
        }

        /**
         * The largest of a[0..n). A compare and a rarely taken branch: {@code Math.max} (NaN and −0 handling) was
         * half as costly as e^x here. Logits are finite (a NaN would be lost here, but it makes the loss NaN).
         */
        private static double max(double[] a, int n) {
            double m = Double.NEGATIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                double v = a[j];
                if (v > m) {
                    m = v;
                }
            }
            return m;
        }

        /** Σ a[0..n), with eight partial sums for the same reason. */
        private static double sum(double[] a, int n) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
            int j = 0;
            for (; j + 8 <= n; j += 8) {
                s0 += a[j];
                s1 += a[j + 1];
                s2 += a[j + 2];
                s3 += a[j + 3];
                s4 += a[j + 4];
                s5 += a[j + 5];
                s6 += a[j + 6];
                s7 += a[j + 7];
            }
            for (; j < n; j++) {
                s0 += a[j];
            }
            return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
        }
    }

    /**
     * Bulk reads and writes of a c-order FLOAT or DOUBLE array's elements as doubles, through an NIO view of its
     * off-heap memory (absolute bulk get/put: threads may share the array when they touch disjoint ranges).
     */
    private static final class Rows {
        private final FloatBuffer floats;
        private final DoubleBuffer doubles;
        private final long offset;
        private float[] staging;

        private Rows(INDArray a) {
            floats = a.dataType() == DataType.FLOAT ? a.data().asNioFloat() : null;
            doubles = a.dataType() == DataType.DOUBLE ? a.data().asNioDouble() : null;
            offset = a.offset();
        }

        static Rows of(INDArray a) {
            return new Rows(a);
        }

        void read(long from, double[] dst, int n) {
            int at = Math.toIntExact(offset + from);
            if (doubles != null) {
                doubles.get(at, dst, 0, n);
                return;
            }
            float[] s = staging(n);
            floats.get(at, s, 0, n);
            for (int j = 0; j < n; j++) {
                dst[j] = s[j];
            }
        }

        void write(long to, double[] src, int n) {
            int at = Math.toIntExact(offset + to);
            if (doubles != null) {
                doubles.put(at, src, 0, n);
                return;
            }
            float[] s = staging(n);
            for (int j = 0; j < n; j++) {
                s[j] = Subnormals.flush((float) src[j]);
            }
            floats.put(at, s, 0, n);
        }

        private float[] staging(int n) {
            if (staging == null || staging.length < n) {
                staging = new float[n];
            }
            return staging;
        }
    }
}
