package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link QkvAttentionKernel} against an independent plain-loop reference written here (forward and backward, one
 * (element, head, query, key) at a time), against central finite differences (DOUBLE), at the addition preset's
 * shapes (32 heads × d_head 2 over 19 positions) and at odd ones (batch not a multiple of the kernel's block, one
 * head, local windows), FLOAT against DOUBLE, one thread against several.
 */
class QkvAttentionKernelTest {
    private final int savedThreads = KernelThreads.get();
    private final long savedMinWork = KernelThreads.minParallelWork;

    /** The small shapes here would run on the calling thread: every call goes to the pool when threads > 1. */
    @BeforeEach
    void parallelEvenWhenSmall() {
        KernelThreads.minParallelWork = 0;
    }

    @AfterEach
    void restoreThreads() {
        KernelThreads.set(savedThreads);
        KernelThreads.minParallelWork = savedMinWork;
    }

    private static INDArray random(Random rnd, DataType dt, double range, long rows, long cols) {
        double[] v = new double[(int) (rows * cols)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (2 * rnd.nextDouble() - 1) * range;
        }
        return Nd4j.create(v, new long[] {rows, cols}, DataType.DOUBLE).castTo(dt);
    }

    /** pattern[b][h][i][j], z[b·t + i][h·dh + c], from qkv [b·t, 3·heads·dh] by the textbook definition. */
    private record Reference(double[][][][] pattern, double[][] z) {
    }

    private static Reference reference(INDArray qkv, int batch, int t, int heads, int dh, double scale, int window) {
        double[][] a = qkv.castTo(DataType.DOUBLE).toDoubleMatrix();
        int hd = heads * dh;
        double[][][][] pattern = new double[batch][heads][t][t];
        double[][] z = new double[batch * t][hd];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                for (int i = 0; i < t; i++) {
                    double[] s = new double[t];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= i; j++) {
                        if (window > 0 && i - j >= window) {
                            continue;
                        }
                        double dot = 0;
                        for (int c = 0; c < dh; c++) {
                            dot += a[b * t + i][h * dh + c] * a[b * t + j][hd + h * dh + c];
                        }
                        s[j] = scale * dot;
                        max = Math.max(max, s[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= i; j++) {
                        if (window <= 0 || i - j < window) {
                            sum += Math.exp(s[j] - max);
                        }
                    }
                    for (int j = 0; j <= i; j++) {
                        if (window > 0 && i - j >= window) {
                            continue;
                        }
                        double p = Math.exp(s[j] - max) / sum;
                        pattern[b][h][i][j] = p;
                        for (int c = 0; c < dh; c++) {
                            z[b * t + i][h * dh + c] += p * a[b * t + j][2 * hd + h * dh + c];
                        }
                    }
                }
            }
        }
        return new Reference(pattern, z);
    }

    /** dQkv [b·t, 3·hd] by the chain rule written out per (element, head), from the reference pattern. */
    private static double[][] referenceBackward(INDArray qkv, INDArray dz, int batch, int t, int heads, int dh,
                                                double scale, int window) {
        double[][] a = qkv.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] g = dz.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][][][] pattern = reference(qkv, batch, t, heads, dh, scale, window).pattern();
        int hd = heads * dh;
        double[][] out = new double[batch * t][3 * hd];
        for (int b = 0; b < batch; b++) {
            for (int h = 0; h < heads; h++) {
                double[][] p = pattern[b][h];
                for (int i = 0; i < t; i++) {
                    double[] dp = new double[t];
                    double rowDot = 0;
                    for (int j = 0; j < t; j++) {
                        for (int c = 0; c < dh; c++) {
                            dp[j] += g[b * t + i][h * dh + c] * a[b * t + j][2 * hd + h * dh + c];
                        }
                        rowDot += p[i][j] * dp[j];
                    }
                    for (int j = 0; j < t; j++) {
                        double ds = scale * p[i][j] * (dp[j] - rowDot);
                        for (int c = 0; c < dh; c++) {
                            out[b * t + i][h * dh + c] += ds * a[b * t + j][hd + h * dh + c];
                            out[b * t + j][hd + h * dh + c] += ds * a[b * t + i][h * dh + c];
                            out[b * t + j][2 * hd + h * dh + c] += p[i][j] * g[b * t + i][h * dh + c];
                        }
                    }
                }
            }
        }
        return out;
    }

    private static double maxDiff(double[][] expected, INDArray actual) {
        double[][] got = actual.castTo(DataType.DOUBLE).toDoubleMatrix();
        double worst = 0;
        for (int r = 0; r < expected.length; r++) {
            for (int c = 0; c < expected[r].length; c++) {
                worst = Math.max(worst, Math.abs(expected[r][c] - got[r][c]));
            }
        }
        return worst;
    }

    private static double maxPatternDiff(double[][][][] expected, INDArray pattern) {
        INDArray shown = QkvAttentionKernel.patternView(pattern).castTo(DataType.DOUBLE);
        double worst = 0;
        for (int b = 0; b < expected.length; b++) {
            for (int h = 0; h < expected[b].length; h++) {
                for (int i = 0; i < expected[b][h].length; i++) {
                    for (int j = 0; j < expected[b][h][i].length; j++) {
                        worst = Math.max(worst, Math.abs(expected[b][h][i][j] - shown.getDouble(b, h, i, j)));
                    }
                }
            }
        }
        return worst;
    }

    @Test
    void forwardAndBackwardEqualThePlainLoopReferenceAtTheAdditionShapes() {
        Random rnd = new Random(3);
        int batch = 40, t = 19, heads = 32, dh = 2; // 40: not a multiple of the kernel's block of elements
        double scale = 1 / Math.sqrt(dh);
        for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5; // FLOAT: computed in float
            INDArray qkv = random(rnd, dt, 3, (long) batch * t, 3L * heads * dh);
            INDArray dz = random(rnd, dt, 1, (long) batch * t, (long) heads * dh);
            QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkv, batch, t, heads, dh, scale, 0, true);
            Reference ref = reference(qkv, batch, t, heads, dh, scale, 0);
            assertTrue(maxPatternDiff(ref.pattern(), f.pattern()) < tol, dt + " pattern");
            assertTrue(maxDiff(ref.z(), f.z()) < tol, dt + " z");
            INDArray dQkv = QkvAttentionKernel.backward(qkv, dz, batch, t, heads, dh, scale, 0);
            double[][] expected = referenceBackward(qkv, dz, batch, t, heads, dh, scale, 0);
            assertTrue(maxDiff(expected, dQkv) < tol * 10, dt + " dQkv differs by " + maxDiff(expected, dQkv));
        }
    }

    @Test
    void oddShapesLocalWindowsAndThreads() {
        Random rnd = new Random(5);
        int[][] shapes = {{1, 1, 1, 1}, {3, 5, 1, 3}, {7, 6, 3, 4}, {2, 19, 32, 2}, {9, 8, 2, 16}};
        for (int[] s : shapes) {
            int batch = s[0], t = s[1], heads = s[2], dh = s[3];
            for (int window : new int[] {0, 1, 3}) {
                INDArray qkv = random(rnd, DataType.DOUBLE, 2, (long) batch * t, 3L * heads * dh);
                INDArray dz = random(rnd, DataType.DOUBLE, 1, (long) batch * t, (long) heads * dh);
                Reference ref = reference(qkv, batch, t, heads, dh, 0.7, window);
                double[][] expected = referenceBackward(qkv, dz, batch, t, heads, dh, 0.7, window);
                double[] firstZ = null;
                for (int threads : new int[] {1, 3}) {
                    KernelThreads.set(threads);
                    QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkv, batch, t, heads, dh, 0.7, window,
                            true);
                    String what = java.util.Arrays.toString(s) + " window " + window + " threads " + threads;
                    assertTrue(maxPatternDiff(ref.pattern(), f.pattern()) < 1e-12, what + " pattern");
                    assertTrue(maxDiff(ref.z(), f.z()) < 1e-12, what + " z");
                    INDArray dQkv = QkvAttentionKernel.backward(qkv, dz, batch, t, heads, dh, 0.7, window);
                    assertTrue(maxDiff(expected, dQkv) < 1e-11, what + " dQkv");
                    double[] z = f.z().data().asDouble();
                    if (firstZ == null) {
                        firstZ = z;
                    } else {
                        assertArrayEquals(firstZ, z, what + ": threads changed z");
                    }
                    INDArray qkvF = qkv.castTo(DataType.FLOAT), dzF = dz.castTo(DataType.FLOAT);
                    QkvAttentionKernel.Forward ff = QkvAttentionKernel.forward(qkvF, batch, t, heads, dh, 0.7, window,
                            true);
                    assertTrue(maxPatternDiff(ref.pattern(), ff.pattern()) < 1e-5, what + " FLOAT pattern");
                    assertTrue(maxDiff(ref.z(), ff.z()) < 1e-5, what + " FLOAT z");
                    INDArray dQkvF = QkvAttentionKernel.backward(qkvF, dzF, batch, t, heads, dh, 0.7, window);
                    assertTrue(maxDiff(expected, dQkvF) < 1e-4, what + " FLOAT dQkv " + maxDiff(expected, dQkvF));
                }
            }
        }
    }

    /**
     * Columns of each block of {@code heads·dh} (q | k | v, or z) from head-major h·dh + c to component-major
     * c·heads + h: a plain loop.
     */
    private static INDArray componentMajor(INDArray a, int heads, int dh) {
        int hd = heads * dh;
        INDArray out = a.ulike();
        for (long r = 0; r < a.size(0); r++) {
            for (int part = 0; part < a.size(1) / hd; part++) {
                for (int h = 0; h < heads; h++) {
                    for (int c = 0; c < dh; c++) {
                        out.putScalar(r, part * hd + c * heads + h, a.getDouble(r, part * hd + h * dh + c));
                    }
                }
            }
        }
        return out;
    }

    /**
     * Queries from position q0 on only (the last layer of a pass whose loss starts at q0): z is the reference's rows
     * of positions q0 … t − 1, and dQkv from those rows' dz is the reference's dQkv with dz 0 before q0 (so dq is 0
     * there and dk, dv get only the later queries' share). Both layouts, local windows, several threads.
     */
    @Test
    void firstQueryPositionComputesTheTailRowsOfTheFullPass() {
        Random rnd = new Random(29);
        int[][] shapes = {{40, 19, 32, 2, 11}, {3, 5, 1, 3, 4}, {7, 6, 3, 4, 1}, {9, 19, 32, 2, 18}};
        for (int threads : new int[] {1, 3}) {
            KernelThreads.set(threads);
            for (int[] sh : shapes) {
                int batch = sh[0], t = sh[1], heads = sh[2], dh = sh[3], q0 = sh[4], hd = heads * dh;
                for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                    for (boolean cm : new boolean[] {false, true}) {
                        int window = cm ? 3 : 0;
                        double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                        INDArray qkv = random(rnd, DataType.DOUBLE, 2, (long) batch * t, 3L * hd);
                        INDArray dzTail = random(rnd, DataType.DOUBLE, 1, (long) batch * (t - q0), hd);
                        INDArray dzFull = Nd4j.zeros(DataType.DOUBLE, batch, t, hd);
                        dzFull.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(q0, t),
                                org.nd4j.linalg.indexing.NDArrayIndex.all())
                                .assign(dzTail.reshape(batch, t - q0, hd));
                        dzFull = dzFull.reshape((long) batch * t, hd);
                        Reference ref = reference(qkv, batch, t, heads, dh, 0.7, window);
                        INDArray zRef = Nd4j.create(ref.z()).reshape(batch, t, hd)
                                .get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                                        org.nd4j.linalg.indexing.NDArrayIndex.interval(q0, t),
                                        org.nd4j.linalg.indexing.NDArrayIndex.all())
                                .dup('c').reshape((long) batch * (t - q0), hd);
                        INDArray dRef = Nd4j.create(referenceBackward(qkv, dzFull, batch, t, heads, dh, 0.7,
                                window));
                        // half the cases hand the kernel qkv without its bias and the bias to add as it reads
                        boolean withBias = (sh[0] + threads) % 2 == 0;
                        INDArray bias = random(rnd, DataType.DOUBLE, 1, 1, 3L * hd);
                        INDArray biasIn = (cm ? componentMajor(bias, heads, dh) : bias);
                        INDArray in = (cm ? componentMajor(qkv, heads, dh) : qkv);
                        in = (withBias ? in.subRowVector(biasIn) : in).castTo(dt);
                        INDArray b = withBias ? biasIn.reshape(3L * hd).castTo(dt) : null;
                        INDArray dz = (cm ? componentMajor(dzTail, heads, dh) : dzTail).castTo(dt);
                        // the pattern saved by the forward (cm) or recomputed by the backward (head-major)
                        QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(in, b, batch, t, heads, dh, 0.7,
                                window, false, cm, q0, cm);
                        INDArray z = f.z();
                        QkvAttentionKernel.Backward g = QkvAttentionKernel.backward(in, b, dz, batch, t, heads, dh,
                                0.7, window, cm, q0, f.saved(), true);
                        INDArray dQkv = g.dQkv();
                        String what = java.util.Arrays.toString(sh) + " " + dt + (cm ? " component-major" : "")
                                + " threads " + threads;
                        assertEquals(cm, f.saved() != null, what);
                        assertArrayEquals(new long[] {(long) batch * (t - q0), hd}, z.shape(), what);
                        double zDiff = (cm ? componentMajor(zRef, heads, dh) : zRef)
                                .sub(z.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
                        assertTrue(zDiff < tol, what + " z differs by " + zDiff);
                        double dDiff = (cm ? componentMajor(dRef, heads, dh) : dRef)
                                .sub(dQkv.castTo(DataType.DOUBLE)).amaxNumber().doubleValue();
                        assertTrue(dDiff < tol * 10, what + " dQkv differs by " + dDiff);
                        // the column sums the kernel adds up as it writes: those of the returned dQkv
                        double sDiff = dQkv.castTo(DataType.DOUBLE).sum(0).sub(g.columnSums().castTo(DataType.DOUBLE))
                                .amaxNumber().doubleValue();
                        assertTrue(sDiff < tol * 100, what + " column sums differ by " + sDiff);
                    }
                }
            }
        }
        INDArray qkv = Nd4j.zeros(DataType.FLOAT, 2 * 5, 3 * 2);
        assertThrows(IllegalArgumentException.class,
                () -> QkvAttentionKernel.forward(qkv, null, 2, 5, 1, 2, 1, 0, true, false, 2, false), "no pattern");
        assertThrows(IllegalArgumentException.class,
                () -> QkvAttentionKernel.forward(qkv, null, 2, 5, 1, 2, 1, 0, false, false, 5, false), "q0 too big");
        assertThrows(IllegalArgumentException.class, () -> QkvAttentionKernel.forward(qkv, Nd4j.zeros(
                DataType.FLOAT, 5), 2, 5, 1, 2, 1, 0, false, false, 0, false), "a bias of 5 for 3·2 columns");
        INDArray saved = QkvAttentionKernel.forward(qkv, null, 2, 5, 1, 2, 1, 0, false, false, 2, true).saved();
        assertEquals(2L * (3 + 4 + 5), saved.length(), "batch·heads per attended (query, key) pair");
        INDArray dz = Nd4j.zeros(DataType.FLOAT, 2 * 4, 2);
        assertThrows(IllegalArgumentException.class,
                () -> QkvAttentionKernel.backward(qkv, null, dz, 2, 5, 1, 2, 1, 0, false, 1, saved, false), "q0 2");
    }

    /** The component-major layout: z and dQkv are the head-major reference's, with their columns permuted. */
    @Test
    void componentMajorLayoutEqualsThePlainLoopReferencePermuted() {
        Random rnd = new Random(13);
        int[][] shapes = {{40, 19, 32, 2}, {3, 5, 1, 3}, {7, 6, 3, 4}};
        for (int[] sh : shapes) {
            int batch = sh[0], t = sh[1], heads = sh[2], dh = sh[3];
            for (DataType dt : new DataType[] {DataType.DOUBLE, DataType.FLOAT}) {
                for (int window : new int[] {0, 3}) {
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                    INDArray qkv = random(rnd, DataType.DOUBLE, 2, (long) batch * t, 3L * heads * dh);
                    INDArray dz = random(rnd, DataType.DOUBLE, 1, (long) batch * t, (long) heads * dh);
                    Reference ref = reference(qkv, batch, t, heads, dh, 0.7, window);
                    double[][] expected = referenceBackward(qkv, dz, batch, t, heads, dh, 0.7, window);
                    INDArray qkvCm = componentMajor(qkv, heads, dh).castTo(dt);
                    INDArray dzCm = componentMajor(dz, heads, dh).castTo(dt);
                    QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkvCm, batch, t, heads, dh, 0.7,
                            window, true, true);
                    String what = java.util.Arrays.toString(sh) + " " + dt + " window " + window;
                    assertTrue(maxPatternDiff(ref.pattern(), f.pattern()) < tol, what + " pattern");
                    INDArray zRef = Nd4j.create(ref.z()), dRef = Nd4j.create(expected);
                    double zDiff = componentMajor(zRef, heads, dh).sub(f.z().castTo(DataType.DOUBLE))
                            .amaxNumber().doubleValue();
                    assertTrue(zDiff < tol, what + " z differs by " + zDiff);
                    INDArray dQkv = QkvAttentionKernel.backward(qkvCm, dzCm, batch, t, heads, dh, 0.7, window, true);
                    double dDiff = componentMajor(dRef, heads, dh).sub(dQkv.castTo(DataType.DOUBLE))
                            .amaxNumber().doubleValue();
                    assertTrue(dDiff < tol * 10, what + " dQkv differs by " + dDiff);
                }
            }
        }
    }

    /** L = Σ z ⊙ G for a fixed random G, so ∂L/∂z = G; dQkv against central differences of L, in DOUBLE. */
    @Test
    void backwardMatchesFiniteDifferences() {
        Random rnd = new Random(11);
        int batch = 3, t = 6, heads = 4, dh = 2, window = 4;
        double scale = 0.8;
        INDArray qkv = random(rnd, DataType.DOUBLE, 1.5, (long) batch * t, 3L * heads * dh);
        INDArray g = random(rnd, DataType.DOUBLE, 1, (long) batch * t, (long) heads * dh);
        INDArray dQkv = QkvAttentionKernel.backward(qkv, g, batch, t, heads, dh, scale, window);
        double eps = 1e-6, diff = 0, norm = 0;
        for (int r = 0; r < qkv.rows(); r++) {
            for (int c = 0; c < qkv.columns(); c++) {
                double orig = qkv.getDouble(r, c);
                qkv.putScalar(r, c, orig + eps);
                double up = QkvAttentionKernel.forward(qkv, batch, t, heads, dh, scale, window, false).z().mul(g)
                        .sumNumber().doubleValue();
                qkv.putScalar(r, c, orig - eps);
                double down = QkvAttentionKernel.forward(qkv, batch, t, heads, dh, scale, window, false).z().mul(g)
                        .sumNumber().doubleValue();
                qkv.putScalar(r, c, orig);
                double numeric = (up - down) / (2 * eps);
                double analytic = dQkv.getDouble(r, c);
                diff += (numeric - analytic) * (numeric - analytic);
                norm += numeric * numeric + analytic * analytic;
            }
        }
        assertTrue(norm > 1e-3, "gradient all zero");
        assertTrue(Math.sqrt(diff / norm) < 1e-7, "relative error " + Math.sqrt(diff / norm));
    }

    @Test
    void badShapesAreRefused() {
        INDArray qkv = Nd4j.zeros(DataType.FLOAT, 10, 12);
        assertThrows(IllegalArgumentException.class, () -> QkvAttentionKernel.forward(qkv, 2, 5, 2, 3, 1, 0, false));
        assertThrows(IllegalArgumentException.class, () -> QkvAttentionKernel.forward(qkv, 3, 5, 2, 2, 1, 0, false));
        assertThrows(IllegalArgumentException.class,
                () -> QkvAttentionKernel.forward(Nd4j.zeros(DataType.INT, 10, 12), 2, 5, 2, 2, 1, 0, false));
        QkvAttentionKernel.Forward f = QkvAttentionKernel.forward(qkv, 2, 5, 2, 2, 1, 0, false);
        assertEquals(DataType.FLOAT, f.z().dataType());
        assertEquals(null, f.pattern());
        assertThrows(IllegalArgumentException.class, () -> QkvAttentionKernel.backward(qkv,
                Nd4j.zeros(DataType.FLOAT, 10, 5), 2, 5, 2, 2, 1, 0));
        assertThrows(IllegalArgumentException.class, () -> QkvAttentionKernel.backward(qkv,
                Nd4j.zeros(DataType.DOUBLE, 10, 4), 2, 5, 2, 2, 1, 0));
    }
}
