package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** {@link HostOps} against plain loops over Java arrays, at block-boundary and model shapes, FLOAT and DOUBLE. */
class HostOpsTest {
    private static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian();
        }
        return v;
    }

    private static INDArray array(double[] v, DataType dt, long... shape) {
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dt);
    }

    private static double tol(DataType dt) {
        return dt == DataType.FLOAT ? 1e-5 : 1e-12;
    }

    @Test
    void scatterAddRowsEqualsPlainLoop() {
        Random r = new Random(4);
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] vd : new int[][] {{12, 128}, {5, 1}, {50, 64}, {3, 5000}}) {
                int vocab = vd[0], d = vd[1], n = 4864 / Math.max(1, d / 128) + 3;
                int[] rows = new int[n];
                for (int i = 0; i < n; i++) {
                    rows[i] = r.nextInt(vocab);
                }
                double[] t = random(r, vocab * d), src = random(r, n * d);
                INDArray target = array(t, dt, vocab, d);
                double[] heldT = target.castTo(DataType.DOUBLE).data().asDouble();
                double[] heldS = array(src, dt, n, d).castTo(DataType.DOUBLE).data().asDouble();
                HostOps.scatterAddRows(target, rows, array(src, dt, n, d));
                double[] want = heldT.clone();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < d; j++) {
                        want[rows[i] * d + j] += heldS[i * d + j];
                    }
                }
                double[] got = target.castTo(DataType.DOUBLE).data().asDouble();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], tol(dt) * Math.max(1, Math.abs(want[i])) * 4, dt + " " + i);
                }
            }
        }
    }

    /** The tail-row gather-and-add and its inverse placement against plain loops, at the addition step's shapes. */
    @Test
    void tailRowsEqualPlainLoops() {
        Random r = new Random(8);
        for (int[] shape : new int[][] {{256, 18, 11, 128}, {3, 5, 1, 7}, {2, 4, 3, 1}}) {
            int batch = shape[0], ctx = shape[1], from = shape[2], d = shape[3], nq = ctx - from;
            double[] full = random(r, batch * ctx * d), add = random(r, batch * nq * d);
            INDArray fullA = array(full, DataType.FLOAT, (long) batch * ctx, d);
            INDArray addA = array(add, DataType.FLOAT, (long) batch * nq, d);
            assertTrue(HostOps.supportsFloat(fullA, addA));
            INDArray gathered = HostOps.tailRowsPlus(fullA, addA, batch, ctx, from);
            HostOps.addToTailRows(fullA, addA, batch, ctx, from);
            double[] g = gathered.castTo(DataType.DOUBLE).data().asDouble();
            double[] placed = fullA.castTo(DataType.DOUBLE).data().asDouble();
            for (int b = 0; b < batch; b++) {
                for (int p = 0; p < ctx; p++) {
                    for (int j = 0; j < d; j++) {
                        double want = full[(b * ctx + p) * d + j] + (p >= from ? add[(b * nq + p - from) * d + j] : 0);
                        assertEquals(want, placed[(b * ctx + p) * d + j], 1e-5, "placed " + b + "," + p + "," + j);
                        if (p >= from) {
                            assertEquals(want, g[(b * nq + p - from) * d + j], 1e-5, "gathered " + b + "," + p);
                        }
                    }
                }
            }
        }
        assertFalse(HostOps.supportsFloat(Nd4j.rand(DataType.DOUBLE, 4, 6)), "float-only passes");
    }

    @Test
    void supportsOnlyContiguousFloatingArrays() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6);
        assertTrue(HostOps.supports(x));
        assertFalse(HostOps.supports(x.transpose()), "a transposed view is not c-contiguous");
        assertFalse(HostOps.supports(Nd4j.zeros(DataType.INT, 3)));
        assertFalse(HostOps.supports(x, Nd4j.rand(DataType.DOUBLE, 6)), "mixed types");
        INDArray flat = Nd4j.create(new double[] {9, 9, 1, 2, 3}, new long[] {5}, DataType.FLOAT);
        assertTrue(HostOps.supports(flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5))),
                "a unit-stride 1-D view (ND4J labels it 'f')");
        assertTrue(HostOps.supports(Nd4j.rand(DataType.FLOAT, 4, 6).reshape(1, 24)), "a [1, n] reshape");
    }
}
