package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The fused attention kernel against an independent triple-loop reference (forward), finite differences and ND4J's
 * batched matmuls (backward), FLOAT against DOUBLE, views, and one thread against several.
 */
class AttentionKernelTest {
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

    private static INDArray random(Random rnd, DataType dt, double range, long... shape) {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = (2 * rnd.nextDouble() - 1) * range;
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
    }

    /** The textbook definition, one (slice, query, key) at a time: pattern[b][q][k] and z[b][q][c]. */
    private static double[][][][] reference(INDArray q, INDArray k, INDArray v, double scale, int window) {
        int bh = (int) q.size(0), t = (int) q.size(1), dh = (int) q.size(2);
        double[][][] pattern = new double[bh][t][t];
        double[][][] z = new double[bh][t][dh];
        for (int b = 0; b < bh; b++) {
            for (int i = 0; i < t; i++) {
                double[] s = new double[t];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < t; j++) {
                    boolean allowed = j <= i && (window <= 0 || i - j < window);
                    if (!allowed) {
                        s[j] = Double.NaN;
                        continue;
                    }
                    double dot = 0;
                    for (int c = 0; c < dh; c++) {
                        dot += q.getDouble(b, i, c) * k.getDouble(b, j, c);
                    }
                    s[j] = scale * dot;
                    max = Math.max(max, s[j]);
                }
                double sum = 0;
                for (int j = 0; j < t; j++) {
                    if (!Double.isNaN(s[j])) {
                        sum += Math.exp(s[j] - max);
                    }
                }
                for (int j = 0; j < t; j++) {
                    pattern[b][i][j] = Double.isNaN(s[j]) ? 0 : Math.exp(s[j] - max) / sum;
                    for (int c = 0; c < dh; c++) {
                        z[b][i][c] += pattern[b][i][j] * v.getDouble(b, j, c);
                    }
                }
            }
        }
        return new double[][][][] {pattern, z};
    }

    @Test
    void forwardEqualsThePlainLoopReferenceForGlobalAndLocalWindows() {
        Random rnd = new Random(1);
        for (int t : new int[] {1, 19}) {
            for (int dh : new int[] {1, 2, 4, 32}) {
                for (int window : new int[] {0, 1, 4}) {
                    INDArray q = random(rnd, DataType.DOUBLE, 2, 3, t, dh);
                    INDArray k = random(rnd, DataType.DOUBLE, 2, 3, t, dh);
                    INDArray v = random(rnd, DataType.DOUBLE, 2, 3, t, dh);
                    double scale = 1 / Math.sqrt(dh);
                    AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, scale, window);
                    double[][][][] ref = reference(q, k, v, scale, window);
                    String where = "t=" + t + " dh=" + dh + " window=" + window;
                    for (int b = 0; b < 3; b++) {
                        for (int i = 0; i < t; i++) {
                            for (int j = 0; j < t; j++) {
                                double p = f.pattern().getDouble(b, i, j);
                                if (ref[0][b][i][j] == 0) {
                                    assertEquals(0.0, p, 0.0, "masked entry not exactly 0, " + where);
                                }
                                assertEquals(ref[0][b][i][j], p, 1e-12, "pattern " + where);
                            }
                            for (int c = 0; c < dh; c++) {
                                assertEquals(ref[1][b][i][c], f.z().getDouble(b, i, c), 1e-12, "z " + where);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void softmaxIsStableForLargeScores() {
        Random rnd = new Random(2);
        INDArray q = random(rnd, DataType.DOUBLE, 30, 2, 19, 4);
        INDArray k = random(rnd, DataType.DOUBLE, 30, 2, 19, 4);
        INDArray v = random(rnd, DataType.DOUBLE, 1, 2, 19, 4);
        AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, 1.0, 0); // scores up to ±3600: exp overflows
        double[][][][] ref = reference(q, k, v, 1.0, 0);
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 19; i++) {
                double rowSum = 0;
                for (int j = 0; j < 19; j++) {
                    assertEquals(ref[0][b][i][j], f.pattern().getDouble(b, i, j), 1e-12);
                    rowSum += f.pattern().getDouble(b, i, j);
                }
                assertEquals(1.0, rowSum, 1e-12);
            }
        }
        for (double z : f.z().data().asDouble()) {
            assertTrue(Double.isFinite(z), "z not finite: " + z);
        }
    }

    /** loss = Σ g ⊙ z, so ∂loss/∂z = g. */
    private static double loss(INDArray q, INDArray k, INDArray v, INDArray g, double scale, int window) {
        return AttentionKernel.forward(q, k, v, scale, window).z().mul(g).sumNumber().doubleValue();
    }

    @Test
    void backwardMatchesFiniteDifferences() {
        Random rnd = new Random(3);
        for (int window : new int[] {0, 3}) {
            for (int dh : new int[] {1, 2, 5}) {
                int bh = 2, t = 7;
                INDArray q = random(rnd, DataType.DOUBLE, 1.5, bh, t, dh);
                INDArray k = random(rnd, DataType.DOUBLE, 1.5, bh, t, dh);
                INDArray v = random(rnd, DataType.DOUBLE, 1.5, bh, t, dh);
                INDArray g = random(rnd, DataType.DOUBLE, 1, bh, t, dh);
                double scale = 0.7;
                AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, scale, window);
                AttentionKernel.Grads grads = AttentionKernel.backward(q, k, v, f.pattern(), g, scale);
                INDArray[] inputs = {q, k, v};
                INDArray[] analytic = {grads.dq(), grads.dk(), grads.dv()};
                double eps = 1e-6;
                for (int a = 0; a < 3; a++) {
                    INDArray x = inputs[a];
                    for (long e = 0; e < x.length(); e++) {
                        double x0 = x.getDouble(e);
                        x.putScalar(e, x0 + eps);
                        double up = loss(q, k, v, g, scale, window);
                        x.putScalar(e, x0 - eps);
                        double down = loss(q, k, v, g, scale, window);
                        x.putScalar(e, x0);
                        double numeric = (up - down) / (2 * eps);
                        assertEquals(numeric, analytic[a].getDouble(e), 1e-7,
                                "d" + "qkv".charAt(a) + "[" + e + "] window=" + window + " dh=" + dh);
                    }
                }
            }
        }
    }

    /** The same attention as ND4J batched matmuls + ND4J's softmax, forward and backward. */
    private static INDArray[] nd4jReference(INDArray q, INDArray k, INDArray v, INDArray dz, double scale,
                                            int window) {
        long bh = q.size(0), t = q.size(1);
        double[] mask = new double[(int) (t * t)];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < t; j++) {
                mask[(int) (i * t + j)] = j <= i && (window <= 0 || i - j < window) ? 0 : -1e9;
            }
        }
        INDArray scores = Nd4j.matmul(q, k, false, true, false).muli(scale).reshape(bh, t * t)
                .addiRowVector(Nd4j.create(mask, new long[] {1, t * t}, q.dataType())).reshape(bh * t, t);
        INDArray pattern = Nd4j.exec(new SoftMax(scores, scores.ulike(), 1))[0].reshape(bh, t, t);
        INDArray z = Nd4j.matmul(pattern, v);
        INDArray dPattern = Nd4j.matmul(dz, v, false, true, false).reshape(bh * t, t);
        INDArray p2 = pattern.reshape(bh * t, t);
        INDArray dScores = dPattern.subColumnVector(dPattern.mul(p2).sum(true, 1)).muli(p2).muli(scale)
                .reshape(bh, t, t);
        return new INDArray[] {pattern, z, Nd4j.matmul(dScores, k), Nd4j.matmul(dScores, q, true, false, false),
                Nd4j.matmul(pattern, dz, true, false, false)};
    }

    @Test
    void forwardAndBackwardAgreeWithNd4jBatchedMatmuls() {
        Random rnd = new Random(4);
        for (int window : new int[] {0, 5}) {
            for (int dh : new int[] {2, 32}) {
                INDArray q = random(rnd, DataType.DOUBLE, 1, 64, 19, dh);
                INDArray k = random(rnd, DataType.DOUBLE, 1, 64, 19, dh);
                INDArray v = random(rnd, DataType.DOUBLE, 1, 64, 19, dh);
                INDArray dz = random(rnd, DataType.DOUBLE, 1, 64, 19, dh);
                double scale = 1 / Math.sqrt(dh);
                INDArray[] ref = nd4jReference(q, k, v, dz, scale, window);
                AttentionKernel.Forward f = AttentionKernel.forward(q, k, v, scale, window);
                AttentionKernel.Grads g = AttentionKernel.backward(q, k, v, f.pattern(), dz, scale);
                INDArray[] ours = {f.pattern(), f.z(), g.dq(), g.dk(), g.dv()};
                String[] names = {"pattern", "z", "dq", "dk", "dv"};
                for (int i = 0; i < ours.length; i++) {
                    double diff = ours[i].sub(ref[i]).amaxNumber().doubleValue();
                    assertTrue(diff < 1e-12, names[i] + " differs by " + diff + " (dh=" + dh + ", window="
                            + window + ")");
                }
            }
        }
    }

    @Test
    void floatResultsAreWithin1eMinus5OfDouble() {
        Random rnd = new Random(5);
        for (int dh : new int[] {2, 32}) {
            INDArray q = random(rnd, DataType.DOUBLE, 1, 40, 19, dh);
            INDArray k = random(rnd, DataType.DOUBLE, 1, 40, 19, dh);
            INDArray v = random(rnd, DataType.DOUBLE, 1, 40, 19, dh);
            INDArray dz = random(rnd, DataType.DOUBLE, 1, 40, 19, dh);
            double scale = 1 / Math.sqrt(dh);
            AttentionKernel.Forward fd = AttentionKernel.forward(q, k, v, scale, 0);
            AttentionKernel.Grads gd = AttentionKernel.backward(q, k, v, fd.pattern(), dz, scale);
            INDArray qf = q.castTo(DataType.FLOAT), kf = k.castTo(DataType.FLOAT), vf = v.castTo(DataType.FLOAT);
            AttentionKernel.Forward ff = AttentionKernel.forward(qf, kf, vf, scale, 0);
            AttentionKernel.Grads gf = AttentionKernel.backward(qf, kf, vf, ff.pattern(),
                    dz.castTo(DataType.FLOAT), scale);
            assertEquals(DataType.FLOAT, ff.z().dataType());
            assertEquals(DataType.FLOAT, gf.dk().dataType());
            INDArray[] d = {fd.pattern(), fd.z(), gd.dq(), gd.dk(), gd.dv()};
            INDArray[] f = {ff.pattern(), ff.z(), gf.dq(), gf.dk(), gf.dv()};
            for (int i = 0; i < d.length; i++) {
                double diff = f[i].castTo(DataType.DOUBLE).subi(d[i]).amaxNumber().doubleValue();
                assertTrue(diff < 1e-5, "output " + i + " differs by " + diff + " (dh=" + dh + ")");
            }
        }
    }

    @Test
    void viewsWithAnOffsetAndNonContiguousInputsAreReadCorrectly() {
        Random rnd = new Random(6);
        INDArray heads = random(rnd, DataType.FLOAT, 1, 3, 8, 19, 2); // q, k, v stacked, as the layer slices them
        INDArray q = heads.slice(0), k = heads.slice(1), v = heads.slice(2);
        AttentionKernel.Forward fromViews = AttentionKernel.forward(q, k, v, 0.5, 0);
        AttentionKernel.Forward fromCopies = AttentionKernel.forward(q.dup('c'), k.dup('c'), v.dup('c'), 0.5, 0);
        assertTrue(fromViews.z().equalsWithEps(fromCopies.z(), 0));
        assertTrue(fromViews.pattern().equalsWithEps(fromCopies.pattern(), 0));
        INDArray kPermuted = k.dup('c').permute(0, 2, 1).dup('c').permute(0, 2, 1); // same values, strided
        AttentionKernel.Forward fromStrided = AttentionKernel.forward(q, kPermuted, v, 0.5, 0);
        assertTrue(fromStrided.z().equalsWithEps(fromCopies.z(), 0));
        AttentionKernel.Grads gv = AttentionKernel.backward(q, k, v, fromViews.pattern(), v, 0.5);
        AttentionKernel.Grads gc = AttentionKernel.backward(q.dup('c'), k.dup('c'), v.dup('c'),
                fromCopies.pattern(), v.dup('c'), 0.5);
        assertTrue(gv.dq().equalsWithEps(gc.dq(), 0) && gv.dk().equalsWithEps(gc.dk(), 0)
                && gv.dv().equalsWithEps(gc.dv(), 0));
    }

    @Test
    void severalThreadsGiveBitIdenticalResults() {
        Random rnd = new Random(7);
        INDArray q = random(rnd, DataType.FLOAT, 1, 257, 19, 2);
        INDArray k = random(rnd, DataType.FLOAT, 1, 257, 19, 2);
        INDArray v = random(rnd, DataType.FLOAT, 1, 257, 19, 2);
        KernelThreads.set(1);
        AttentionKernel.Forward one = AttentionKernel.forward(q, k, v, 1, 0);
        AttentionKernel.Grads g1 = AttentionKernel.backward(q, k, v, one.pattern(), v, 1);
        KernelThreads.set(3);
        AttentionKernel.Forward three = AttentionKernel.forward(q, k, v, 1, 0);
        AttentionKernel.Grads g3 = AttentionKernel.backward(q, k, v, three.pattern(), v, 1);
        assertTrue(one.pattern().equalsWithEps(three.pattern(), 0) && one.z().equalsWithEps(three.z(), 0));
        assertTrue(g1.dq().equalsWithEps(g3.dq(), 0) && g1.dk().equalsWithEps(g3.dk(), 0)
                && g1.dv().equalsWithEps(g3.dv(), 0));
    }

    @Test
    void supportsFloatAndDoubleOnTheCpuBackendOnly() {
        boolean cpu = Nd4j.getEnvironment().isCPU();
        assertEquals(cpu, AttentionKernel.supports(Nd4j.zeros(DataType.FLOAT, 1, 2, 2)));
        assertEquals(cpu, AttentionKernel.supports(Nd4j.zeros(DataType.DOUBLE, 1, 2, 2)));
        assertTrue(!AttentionKernel.supports(Nd4j.zeros(DataType.HALF, 1, 2, 2)));
    }

    @Test
    void refusesMismatchedShapesAndTypes() {
        INDArray a = Nd4j.zeros(DataType.FLOAT, 2, 3, 4);
        assertThrows(IllegalArgumentException.class,
                () -> AttentionKernel.forward(a, Nd4j.zeros(DataType.FLOAT, 2, 3, 5), a, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionKernel.forward(a, a.castTo(DataType.DOUBLE), a, 1, 0));
        assertThrows(IllegalArgumentException.class,
                () -> AttentionKernel.forward(Nd4j.zeros(DataType.INT, 2, 3, 4), Nd4j.zeros(DataType.INT, 2, 3, 4),
                        Nd4j.zeros(DataType.INT, 2, 3, 4), 1, 0));
        assertThrows(IllegalArgumentException.class, () -> KernelThreads.set(0));
    }
}
