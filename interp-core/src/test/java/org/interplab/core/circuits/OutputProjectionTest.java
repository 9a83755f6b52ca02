package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class OutputProjectionTest {

    @Test
    void handComputedPoints() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        // head 1's W_O = [[1, 0, 2], [0, 1, −1]], W_U = [[1, 0], [0, 1], [1, 1]]: W_O W_U = [[3, 2], [−1, 0]]
        w.put("blocks.0.attn.W_O", Nd4j.createFromArray(new double[][][] {{{0, 0, 0}, {0, 0, 0}},
                {{1, 0, 2}, {0, 1, -1}}}));
        w.put("unembed.W_U", Nd4j.createFromArray(new double[][] {{1, 0}, {0, 1}, {1, 1}}));
        CircuitTable t = OutputProjection.table(w, List.of("u", "v"), 1, false);
        assertEquals("proj_O.L0H1", t.name());
        assertEquals(List.of("u", "v"), t.rowLabels());
        assertArrayEquals(new double[] {3, -1}, t.values()[0], 1e-12);
        assertArrayEquals(new double[] {2, 0}, t.values()[1], 1e-12);
        // tied: W_U = W_Eᵀ
        w.remove("unembed.W_U");
        w.put("embed.W_E", Nd4j.createFromArray(new double[][] {{1, 0, 1}, {0, 1, 1}}));
        assertArrayEquals(new double[] {2, 0}, OutputProjection.table(w, List.of("u", "v"), 1, false).values()[1], 1e-12);
    }

    @Test
    void dotWithZIsTheHeadsDirectLogit() {
        Nd4j.getRandom().setSeed(5);
        int dModel = 6, vocab = 4;
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("blocks.0.attn.W_O", Nd4j.randn(DataType.DOUBLE, 2, 2, dModel));
        w.put("unembed.W_U", Nd4j.randn(DataType.DOUBLE, dModel, vocab));
        double[][] points = OutputProjection.table(w, List.of("a", "b", "c", "d"), 0, false).values();
        double[] z = {0.7, -1.3};
        // plain loops: logit_u = Σ_d (Σ_j z_j W_O[0, j, d]) W_U[d, u]
        for (int u = 0; u < vocab; u++) {
            double logit = 0;
            for (int d = 0; d < dModel; d++) {
                double written = 0;
                for (int j = 0; j < 2; j++) {
                    written += z[j] * w.get("blocks.0.attn.W_O").getDouble(0, j, d);
                }
                logit += written * w.get("unembed.W_U").getDouble(d, u);
            }
            assertEquals(logit, z[0] * points[u][0] + z[1] * points[u][1], 1e-12);
        }
    }
}
