package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.circuits.ReferenceModels.ReferenceModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class HeadOrderTest {
    static final int D_VOCAB = 12, D_MODEL = 12, N_CTX = 5;

    /**
     * A 2-head, d_head 1 OV-coherent model (seed 000's shape). The query of both heads is the readoff token's
     * one-hot dimension; head h gives signal token t the key score {@code signalScores[h][t-1]}. Positions, key
     * biases and noise-token scores are random: they must not change the ranking of the signal tokens.
     */
    static Map<String, INDArray> twoHeads(double[][] signalScores, long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.eye(D_VOCAB).castTo(DataType.DOUBLE));
        INDArray pos = Nd4j.randn(DataType.DOUBLE, N_CTX, D_MODEL);
        pos.getColumn(0).assign(0); // the query reads dimension 0 only: keep it the readoff's
        w.put("pos_embed.W_pos", pos);
        INDArray wQ = Nd4j.zeros(DataType.DOUBLE, 2, D_MODEL, 1);
        INDArray wK = Nd4j.randn(DataType.DOUBLE, 2, D_MODEL, 1);
        for (int h = 0; h < 2; h++) {
            wQ.putScalar(new int[] {h, 0, 0}, 1.0);
            for (int t = 1; t <= 4; t++) {
                wK.putScalar(new int[] {h, t, 0}, signalScores[h][t - 1]);
            }
        }
        w.put("blocks.0.attn.W_Q", wQ);
        w.put("blocks.0.attn.W_K", wK);
        w.put("blocks.0.attn.W_V", Nd4j.randn(DataType.DOUBLE, 2, D_MODEL, 1));
        w.put("blocks.0.attn.W_O", Nd4j.randn(DataType.DOUBLE, 2, 1, D_MODEL));
        w.put("blocks.0.attn.b_K", Nd4j.randn(DataType.DOUBLE, 2, 1));
        w.put("unembed.W_U", Nd4j.randn(DataType.DOUBLE, D_MODEL, 10));
        return w;
    }

    static ExperimentSpec ovCoherentSpec() {
        ModelSpec model = new ModelSpec("transformer", 1, 2, 1, D_MODEL, N_CTX, D_VOCAB, 10, null, true, "none", true,
                null, null, null, null, null, null);
        TaskSpec task = new TaskSpec("ov-coherent", N_CTX, null, null, null, null, null, null, null);
        return new ExperimentSpec("order", task, model, null, 1L, List.of());
    }

    static Map<String, CircuitTable> tables(Map<String, INDArray> w, ExperimentSpec spec) {
        return CircuitAnalysis.analyse(w, spec).stream().filter(r -> r.table() != null)
                .collect(Collectors.toMap(TableResult::name, TableResult::table));
    }

    @Test
    void seed000sReversedPairIsDetected() {
        // head 0: 1 > 4 > 3 > 2, head 1: 2 > 3 > 4 > 1 (scores per signal token 1, 2, 3, 4)
        Map<String, CircuitTable> t = tables(twoHeads(new double[][] {{4, 1, 2, 3}, {1, 4, 3, 2}}, 7), ovCoherentSpec());
        CircuitTable order = t.get("head_order");
        assertEquals(List.of("L0H0", "L0H1"), order.rowLabels());
        assertEquals(List.of("rank 1", "rank 2", "rank 3", "rank 4"), order.colLabels());
        assertArrayEquals(new double[] {1, 4, 3, 2}, order.values()[0]);
        assertArrayEquals(new double[] {2, 3, 4, 1}, order.values()[1]);
        assertTrue(order.description().contains("L0H0: 1>4>3>2; L0H1: 2>3>4>1"), order.description());
        CircuitTable reversed = t.get("head_order_reversed");
        assertArrayEquals(new double[] {0, 1}, reversed.values()[0]);
        assertArrayEquals(new double[] {1, 0}, reversed.values()[1]);
        assertTrue(reversed.description().contains("L0H0 (1>4>3>2) ↔ L0H1 (2>3>4>1)"), reversed.description());
    }

    @Test
    void aPairThatIsNotReversedIsNot() {
        // head 0: 1 > 4 > 3 > 2, head 1: 2 > 3 > 1 > 4 — the last two swapped relative to the reverse
        Map<String, CircuitTable> t = tables(twoHeads(new double[][] {{4, 1, 2, 3}, {2, 4, 3, 1}}, 8), ovCoherentSpec());
        assertArrayEquals(new double[] {2, 3, 1, 4}, t.get("head_order").values()[1]);
        for (double[] row : t.get("head_order_reversed").values()) {
            assertArrayEquals(new double[] {0, 0}, row);
        }
        assertTrue(t.get("head_order_reversed").description().endsWith("Pairs: none."));
    }

    @Test
    void negativeQueryFlipsTheOrder() {
        // The order is that of the full score q·k: a query weight of −1 ranks the smallest W_K entry first.
        Map<String, INDArray> w = twoHeads(new double[][] {{4, 1, 2, 3}, {4, 1, 2, 3}}, 9);
        w.get("blocks.0.attn.W_Q").putScalar(new int[] {1, 0, 0}, -1.0);
        Map<String, CircuitTable> t = tables(w, ovCoherentSpec());
        assertArrayEquals(new double[] {2, 3, 4, 1}, t.get("head_order").values()[1]);
        assertEquals(1.0, t.get("head_order_reversed").values()[0][1]);
    }

    @Test
    void tiesAreGroupedAndReversedGroupWise() {
        List<String> labels = List.of("R", "1", "2", "3", "4");
        int[] signals = {1, 2, 3, 4};
        HeadOrder.Ranking tied = HeadOrder.rank(new double[] {0, 5, 5, 1, 9}, signals);
        assertEquals("4>1=2>3", tied.describe(labels));
        assertFalse(tied.strict());
        assertEquals(List.of(java.util.Set.of(4), java.util.Set.of(1, 2), java.util.Set.of(3)), tied.groups());
        HeadOrder.Ranking back = HeadOrder.rank(new double[] {0, 5, 5, 9, 1}, signals);
        assertEquals("3>1=2>4", back.describe(labels));
        assertTrue(tied.isReverseOf(back));
        assertTrue(back.isReverseOf(tied));
        HeadOrder.Ranking split = HeadOrder.rank(new double[] {0, 5, 4, 9, 1}, signals);
        assertEquals("3>1>2>4", split.describe(labels));
        assertTrue(split.strict());
        assertFalse(tied.isReverseOf(split), "a tie broken on one side is not a reverse");
        assertFalse(split.isReverseOf(split));
        HeadOrder.Ranking uniform = HeadOrder.rank(new double[] {0, 3, 3, 3, 3}, signals);
        assertEquals("1=2=3=4", uniform.describe(labels));
        assertFalse(uniform.isReverseOf(uniform), "an all-tied order has no reverse");
    }

    @Test
    void seed003sXorHeadsAreReversedThroughTheirTie() {
        ReferenceModel xor = ReferenceModels.xorConstruction();
        Map<String, CircuitTable> t = tables(xor.weights(), xor.spec());
        CircuitTable order = t.get("head_order");
        assertTrue(order.description().contains("L0H0: B>C=D>A; L0H1: A>C=D>B"), order.description());
        assertArrayEquals(new double[] {1, 2, 3, 0}, order.values()[0]);
        assertEquals(1.0, t.get("head_order_reversed").values()[0][1]);
        assertEquals(0.0, t.get("head_order_reversed").values()[0][0]);
    }

    @Test
    void seed000sOneHeadAttendsUniformly() {
        ReferenceModel one = ReferenceModels.ovCoherentOneHead();
        Map<String, CircuitTable> t = tables(one.weights(), one.spec());
        assertTrue(t.get("head_order").description().contains("L0H0: 1=2=3=4"), t.get("head_order").description());
        assertArrayEquals(new double[] {0}, t.get("head_order_reversed").values()[0]);
    }
}
