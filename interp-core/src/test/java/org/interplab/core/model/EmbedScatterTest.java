package org.interplab.core.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Random;
import org.interplab.core.model.kernels.HostOps;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * {@link Embed#scatterAddRows} on an array {@link HostOps} does not take (a strided view, as off the CPU backend the
 * fallback serves every array): the one-hot GEMM path against a plain loop.
 */
class EmbedScatterTest {
    @Test
    void fallbackEqualsPlainLoop() {
        Random r = new Random(9);
        int n = 37, d = 5, vocab = 6;
        for (DataType dt : new DataType[] {DataType.FLOAT, DataType.DOUBLE}) {
            int[] rows = new int[n];
            for (int i = 0; i < n; i++) {
                rows[i] = r.nextInt(vocab);
            }
            INDArray src = Nd4j.rand(dt, d, n).transpose(); // [n, d], not c-contiguous
            assertFalse(HostOps.supports(src));
            INDArray target = Nd4j.rand(dt, vocab, d);
            double[][] want = target.castTo(DataType.DOUBLE).toDoubleMatrix();
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    want[rows[i]][j] += src.getDouble(i, j);
                }
            }
            Embed.scatterAddRows(target, rows, src);
            for (int v = 0; v < vocab; v++) {
                for (int j = 0; j < d; j++) {
                    assertEquals(want[v][j], target.getDouble(v, j), dt == DataType.FLOAT ? 1e-5 : 1e-12);
                }
            }
        }
    }
}
