package org.interplab.core.circuits.factored;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.eigen.Eigen;
import org.nd4j.linalg.factory.Nd4j;

/** Singular values, top entries and the diagonal of A·B from its factors against the dense product. */
class FactoredMatrixTest {

    static INDArray gaussian(Random rng, int rows, int cols, double scale) {
        double[][] v = new double[rows][cols];
        for (double[] row : v) {
            for (int j = 0; j < cols; j++) {
                row[j] = rng.nextGaussian() * scale;
            }
        }
        return Nd4j.create(v).castTo(DataType.FLOAT);
    }

    /** Orthonormal columns by Gram–Schmidt (plain loops, double). */
    static double[][] orthonormal(Random rng, int n, int r) {
        double[][] q = new double[r][n];
        for (int c = 0; c < r; c++) {
            for (int i = 0; i < n; i++) {
                q[c][i] = rng.nextGaussian();
            }
            for (int p = 0; p < c; p++) {
                double d = 0;
                for (int i = 0; i < n; i++) {
                    d += q[c][i] * q[p][i];
                }
                for (int i = 0; i < n; i++) {
                    q[c][i] -= d * q[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < n; i++) {
                norm += q[c][i] * q[c][i];
            }
            for (int i = 0; i < n; i++) {
                q[c][i] /= Math.sqrt(norm);
            }
        }
        return q;
    }

    @Test
    void singularValuesOfAConstructedProductAreTheOnesBuiltIn() {
        Random rng = new Random(3);
        int n = 70, m = 55, r = 5;
        double[] sigma = {9.0, 4.5, 2.0, 0.75, 0.1};
        double[][] u = orthonormal(rng, n, r), v = orthonormal(rng, m, r);
        double[][] a = new double[n][r], b = new double[r][m];
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < r; c++) {
                a[i][c] = u[c][i] * sigma[c];
            }
        }
        for (int c = 0; c < r; c++) {
            b[c] = v[c].clone();
        }
        double[] s = new FactoredMatrix(Nd4j.create(a), Nd4j.create(b)).singularValues();
        assertEquals(r, s.length);
        for (int i = 0; i < r; i++) {
            assertEquals(sigma[i], s[i], 1e-4 * sigma[0], "σ" + (i + 1));
        }
    }

    /** Dense A·B in double by plain loops. */
    static double[][] dense(INDArray a, INDArray b) {
        int n = (int) a.rows(), r = (int) a.columns(), m = (int) b.columns();
        double[][] d = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < r; t++) {
                    s += (double) a.getFloat(i, t) * b.getFloat(t, j);
                }
                d[i][j] = s;
            }
        }
        return d;
    }

    /** Singular values of a dense matrix: √ of the eigenvalues of DᵀD (m × m), largest first. */
    static double[] denseSingularValues(double[][] d) {
        INDArray x = Nd4j.create(d);
        INDArray gram = x.transpose().mmul(x).dup('f');
        double[] e = Eigen.symmetricGeneralizedEigenvalues(gram, false).toDoubleVector();
        return java.util.Arrays.stream(e).map(v -> Math.sqrt(Math.max(0, v))).boxed()
                .sorted(Comparator.reverseOrder()).mapToDouble(Double::doubleValue).toArray();
    }

    static List<FactoredMatrix.Entry> denseTop(double[][] d, int k) {
        List<FactoredMatrix.Entry> all = new ArrayList<>();
        for (int i = 0; i < d.length; i++) {
            for (int j = 0; j < d[i].length; j++) {
                all.add(new FactoredMatrix.Entry(i, j, d[i][j]));
            }
        }
        all.sort(Comparator.comparingDouble(FactoredMatrix.Entry::value).reversed());
        return all.subList(0, k);
    }

    static void assertSameEntries(List<FactoredMatrix.Entry> expected, List<FactoredMatrix.Entry> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            FactoredMatrix.Entry e = expected.get(i), a = actual.get(i);
            assertEquals(e.row(), a.row(), "row of entry " + i);
            assertEquals(e.col(), a.col(), "column of entry " + i);
            assertEquals(e.value(), a.value(), 1e-4 * Math.max(1, Math.abs(e.value())), "value of entry " + i);
        }
    }

    @Test
    void singularValuesTopEntriesAndDiagonalEqualTheDenseProducts() {
        Random rng = new Random(11);
        int n = 300, r = 6;
        INDArray a = gaussian(rng, n, r, 1.0);
        INDArray b = gaussian(rng, r, n, 1.0);
        // rows and columns with very different norms: the Cauchy–Schwarz bound prunes most blocks
        for (int i = 0; i < n; i++) {
            a.getRow(i).muli(Math.exp(3 * rng.nextDouble()));
            b.getColumn(i).muli(Math.exp(3 * rng.nextDouble()));
        }
        FactoredMatrix f = new FactoredMatrix(a, b);
        double[][] d = dense(a, b);
        double[] expected = denseSingularValues(d);
        double[] s = f.singularValues();
        for (int i = 0; i < r; i++) {
            assertEquals(expected[i], s[i], 1e-4 * expected[0], "σ" + (i + 1));
        }
        for (int k : new int[] {1, 20, 200}) {
            assertSameEntries(denseTop(d, k), f.top(k));
        }
        double[] diag = f.diagonal();
        double[] denseDiag = new double[n];
        for (int i = 0; i < n; i++) {
            denseDiag[i] = d[i][i];
        }
        assertArrayEquals(denseDiag, diag, 1e-4);
    }

    /**
     * A rectangular product with several row blocks (900 rows) and a d_head-like inner dimension (16): the pruned
     * search equals the dense top 1/20/100, for plain Gaussian factors and for factors with a dominant direction.
     */
    @Test
    void topEntriesOverSeveralRowBlocksEqualTheDenseProducts() {
        Random rng = new Random(5);
        int n = 900, m = 1500, r = 16;
        for (double dominant : new double[] {1.0, 8.0}) {
            INDArray a = gaussian(rng, n, r, 1.0);
            INDArray b = gaussian(rng, r, m, 1.0);
            a.getColumn(0).muli(dominant);
            b.getRow(0).muli(dominant);
            double[][] d = dense(a, b);
            FactoredMatrix f = new FactoredMatrix(a, b);
            for (int k : new int[] {1, 20, 100}) {
                assertSameEntries(denseTop(d, k), f.top(k));
            }
        }
    }

    @Test
    void topEntriesOfAMatrixWhoseEntriesAreAllNegative() {
        // A·B = −(1 + i + j)/10: the largest entry is (0, 0); the pruning bound never helps (values below 0)
        int n = 40, m = 30;
        double[][] a = new double[n][2], b = new double[2][m];
        for (int i = 0; i < n; i++) {
            a[i][0] = -(1 + i) / 10.0;
            a[i][1] = -1 / 10.0;
        }
        for (int j = 0; j < m; j++) {
            b[0][j] = 1;
            b[1][j] = j;
        }
        List<FactoredMatrix.Entry> top = new FactoredMatrix(Nd4j.create(a), Nd4j.create(b)).top(3);
        assertEquals(new FactoredMatrix.Entry(0, 0, -0.1).row(), top.get(0).row());
        assertEquals(0, top.get(0).col());
        assertEquals(-0.1, top.get(0).value(), 1e-6);
        assertEquals(-0.2, top.get(1).value(), 1e-6);
        assertEquals(-0.2, top.get(2).value(), 1e-6);
        assertTrue(top.get(1).row() + top.get(1).col() == 1 && top.get(2).row() + top.get(2).col() == 1);
    }
}
