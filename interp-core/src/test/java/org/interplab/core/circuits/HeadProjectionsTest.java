package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HeadProjectionsTest {

    @Test
    void handComputedPoints() {
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.createFromArray(new double[][] {{1, 2}, {0, 1}, {3, -1}}));
        w.put("pos_embed.W_pos", Nd4j.createFromArray(new double[][] {{0.5, 0}, {0, -1}}));
        // head 1's W_Q is [[1, 2], [3, 4]], b_Q[1] = (10, 20); head 0 is zero.
        w.put("blocks.0.attn.W_Q", Nd4j.createFromArray(new double[][][] {{{0, 0}, {0, 0}}, {{1, 2}, {3, 4}}}));
        w.put("blocks.0.attn.b_Q", Nd4j.createFromArray(new double[][] {{0, 0}, {10, 20}}));
        CircuitTable t = HeadProjections.table(w, List.of("a", "b", "c"), 1, "Q", false);
        assertEquals("proj_Q.L0H1", t.name());
        assertEquals("proj_Q", t.kind());
        assertEquals(List.of("a@0", "a@1", "b@0", "b@1", "c@0", "c@1"), t.rowLabels());
        assertEquals(List.of("x", "y"), t.colLabels());
        // a@0: r = (1.5, 2): (1.5·1 + 2·3, 1.5·2 + 2·4) + (10, 20) = (17.5, 31)
        assertArrayEquals(new double[] {17.5, 31}, t.values()[0], 1e-12);
        // b@1: r = (0, 0): just the bias
        assertArrayEquals(new double[] {10, 20}, t.values()[3], 1e-12);
        // c@1: r = (3, −2): (3 − 6, 6 − 8) + (10, 20) = (7, 18)
        assertArrayEquals(new double[] {7, 18}, t.values()[5], 1e-12);
        // without a bias tensor the bias is zero
        w.remove("blocks.0.attn.b_Q");
        assertArrayEquals(new double[] {-3, -2}, HeadProjections.table(w, List.of("a", "b", "c"), 1, "Q", false)
                .values()[5], 1e-12);
    }

    @Test
    void refusedUnlessDHeadIsTwo() {
        Map<String, INDArray> w = TransformerCircuitsTest.randomWeights(3, 5); // d_head 3
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeadProjections.table(w, List.of("A", "B", "C", "D", "Q"), 0, "K", false));
        assertEquals("2-D projections need d_head = 2, blocks.0.attn.W_K has d_head 3", e.getMessage());
    }

    @Test
    void analysisOfAnAdditionModelProjectsEveryTokenAndPosition() {
        int nHeads = 3, dModel = 8, nCtx = 4, dVocab = 12;
        Nd4j.getRandom().setSeed(21);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.randn(DataType.DOUBLE, dVocab, dModel));
        w.put("pos_embed.W_pos", Nd4j.randn(DataType.DOUBLE, nCtx, dModel));
        for (String m : List.of("W_Q", "W_K", "W_V")) {
            w.put("blocks.0.attn." + m, Nd4j.randn(DataType.DOUBLE, nHeads, dModel, 2));
        }
        for (String b : List.of("b_Q", "b_K", "b_V")) {
            w.put("blocks.0.attn." + b, Nd4j.randn(DataType.DOUBLE, nHeads, 2));
        }
        w.put("blocks.0.attn.W_O", Nd4j.randn(DataType.DOUBLE, nHeads, 2, dModel));
        w.put("unembed.W_U", Nd4j.randn(DataType.DOUBLE, dModel, 10));
        ModelSpec model = new ModelSpec("transformer", 1, nHeads, 2, dModel, nCtx, dVocab, 10, null, true, "none", true,
                null, null, null, null, null, null);
        TaskSpec task = new TaskSpec("addition", null, 1, null, null, null, null, null, null);
        List<TableResult> results = CircuitAnalysis.analyse(w, new ExperimentSpec("add", task, model, null, 1L, List.of()));
        Map<String, TableResult> byName = results.stream().collect(Collectors.toMap(TableResult::name, r -> r));
        for (int h = 0; h < nHeads; h++) {
            for (String m : List.of("Q", "K", "V")) {
                TableResult r = byName.get("proj_" + m + ".L0H" + h);
                assertNull(r.error());
                CircuitTable t = r.table();
                assertEquals(dVocab * nCtx, t.rowLabels().size());
                assertEquals("=@3", t.rowLabels().get(10 * nCtx + 3));
                for (int tok = 0; tok < dVocab; tok++) {
                    for (int p = 0; p < nCtx; p++) {
                        double[] expected = NaiveForward.project(w, "W_" + m, "b_" + m, h,
                                NaiveForward.residual(w, tok, p));
                        assertArrayEquals(expected, t.values()[tok * nCtx + p], 1e-9, m + " " + tok + "@" + p);
                    }
                }
            }
        }
        assertEquals(List.of("proj_Q.L0H0", "proj_K.L0H0", "proj_V.L0H0", "proj_O.L0H0", "proj_Q.L0H1"),
                results.stream().map(TableResult::name).filter(n -> n.startsWith("proj_")).limit(5).toList());
        for (int h = 0; h < nHeads; h++) {
            assertNull(byName.get("proj_O.L0H" + h).error());
            assertEquals(10, byName.get("proj_O.L0H" + h).table().rowLabels().size());
        }
    }
}
