package org.interplab.core.model.kernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
    /** Row counts × widths around the 4 096-element staging block: one row, partial blocks, rows wider than it. */
    private static final int[][] SHAPES = {{1, 1}, {7, 3}, {4864, 192}, {4864, 10}, {256, 2432}, {3, 5000},
        {4097, 1}, {409, 10}};

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
    void addRowVectorEqualsPlainLoop() {
        Random r = new Random(1);
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] s : SHAPES) {
                double[] x = random(r, s[0] * s[1]), row = random(r, s[1]);
                INDArray a = array(x, dt, s[0], s[1]);
                INDArray out = HostOps.addRowVector(a, array(row, dt, s[1]));
                assertTrue(out == a, "in place");
                double[] got = a.castTo(DataType.DOUBLE).data().asDouble();
                for (int i = 0; i < s[0]; i++) {
                    for (int j = 0; j < s[1]; j++) {
                        assertEquals(x[i * s[1] + j] + row[j], got[i * s[1] + j], tol(dt) * 4, dt + " " + i + "," + j);
                    }
                }
            }
        }
    }

    @Test
    void addRowVectorOnAViewWithOffset() {
        INDArray flat = Nd4j.create(new double[] {9, 9, 1, 2, 3}, new long[] {5}, DataType.FLOAT);
        INDArray row = flat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(2, 5));
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 3);
        assertTrue(HostOps.supports(x, row));
        HostOps.addRowVector(x, row);
        assertArrayEquals(new float[] {1, 2, 3, 1, 2, 3}, x.data().asFloat());
    }

    @Test
    void addInPlaceEqualsPlainLoop() {
        Random r = new Random(2);
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] s : SHAPES) {
                double[] x = random(r, s[0] * s[1]), y = random(r, s[0] * s[1]);
                INDArray a = array(x, dt, s[0], s[1]);
                HostOps.addInPlace(a, array(y, dt, s[0], s[1]));
                double[] got = a.castTo(DataType.DOUBLE).data().asDouble();
                for (int i = 0; i < x.length; i++) {
                    assertEquals(x[i] + y[i], got[i], tol(dt) * 4, dt + " " + i);
                }
            }
        }
    }

    @Test
    void columnSumsEqualPlainLoop() {
        Random r = new Random(3);
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            for (int[] s : SHAPES) {
                double[] x = random(r, s[0] * s[1]);
                INDArray a = array(x, dt, s[0], s[1]);
                // the reference sums what the array holds (float-rounded inputs for FLOAT)
                double[] held = a.castTo(DataType.DOUBLE).data().asDouble();
                INDArray got = HostOps.columnSums(a, s[1]);
                assertEquals(dt, got.dataType());
                assertArrayEquals(new long[] {s[1]}, got.shape());
                for (int j = 0; j < s[1]; j++) {
                    double want = 0;
                    for (int i = 0; i < s[0]; i++) {
                        want += held[i * s[1] + j];
                    }
                    assertEquals(want, got.getDouble(j), tol(dt) * Math.max(1, Math.abs(want)), dt + " col " + j);
                }
            }
        }
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

    @Test
    void supportsOnlyContiguousFloatingArrays() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 4, 6);
        assertTrue(HostOps.supports(x));
        assertFalse(HostOps.supports(x.transpose()), "a transposed view is not c-contiguous");
        assertFalse(HostOps.supports(Nd4j.zeros(DataType.INT, 3)));
        assertFalse(HostOps.supports(x, Nd4j.rand(DataType.DOUBLE, 6)), "mixed types");
    }
}
