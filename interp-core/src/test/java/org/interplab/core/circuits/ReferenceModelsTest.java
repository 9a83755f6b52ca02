package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.core.checkpoint.Safetensors;
import org.interplab.core.circuits.ReferenceModels.ReferenceModel;
import org.junit.jupiter.api.Test;

class ReferenceModelsTest {
    // Seed 003, "Token attending to | Attention score (pre-softmax) | OV behavior", rows A B C D Q.
    static final double[][] SEED_003_SCORES = {
            {-10000, 10000, 0, 0, -10000},
            {10000, -10000, 0, 0, -10000},
    };
    static final String[][] SEED_003_OV = {
            {"0", "0", "T", "F", "0"},
            {"0", "0", "F", "T", "0"},
    };

    @Test
    void xorTablesAreSeed003s() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(model.weights(), model.spec()));
        for (int h = 0; h < 2; h++) {
            CircuitTable scores = tables.get("scores_readoff.L0H" + h).table();
            assertEquals(List.of("A", "B", "C", "D", "Q"), scores.rowLabels());
            for (int t = 0; t < 5; t++) {
                for (int p = 0; p < 3; p++) {
                    assertClose(SEED_003_SCORES[h][t], scores.values()[t][p], "head " + h + " token " + t);
                }
            }
            CircuitTable evou = tables.get("EVOU.L0H" + h).table();
            assertEquals(List.of("T", "F"), evou.colLabels());
            for (int t = 0; t < 5; t++) {
                String ov = SEED_003_OV[h][t];
                double[] expected = {ov.equals("T") ? 1 : 0, ov.equals("F") ? 1 : 0};
                assertClose(expected[0], evou.values()[t][0], "EVOU head " + h + " token " + t + " → T");
                assertClose(expected[1], evou.values()[t][1], "EVOU head " + h + " token " + t + " → F");
            }
        }
    }

    @Test
    void xorStructureAttentionWinnersAndOvArgmax() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(model.weights(), model.spec()));
        double[][] head0 = tables.get("EQKE.L0H0").table().values();
        double[][] head1 = tables.get("EQKE.L0H1").table().values();
        int q = 4;
        // From Q: head 0 prefers B, head 1 prefers A; both avoid Q itself; C and D tie.
        assertEquals(1, NaiveForward.argmax(head0[q]));
        assertEquals(0, NaiveForward.argmax(head1[q]));
        assertTrue(head0[q][q] < head0[q][2] && head1[q][q] < head1[q][3]);
        assertEquals(head0[q][2], head0[q][3]);
        double[][] ov0 = tables.get("EVOU.L0H0").table().values();
        double[][] ov1 = tables.get("EVOU.L0H1").table().values();
        assertEquals(0, NaiveForward.argmax(ov0[2]));  // head 0: C → T
        assertEquals(1, NaiveForward.argmax(ov0[3]));  // head 0: D → F
        assertEquals(1, NaiveForward.argmax(ov1[2]));  // head 1: C → F
        assertEquals(0, NaiveForward.argmax(ov1[3]));  // head 1: D → T
        assertArrayEquals(new double[] {0, 0}, ov0[0]);
    }

    @Test
    void xorConstructionSolvesXor() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        double scale = 1 / Math.sqrt(model.spec().model().dHead());
        int[][] strings = {{0, 2, 4}, {0, 3, 4}, {1, 2, 4}, {1, 3, 4}};  // ACQ, ADQ, BCQ, BDQ
        int[] answers = {0, 1, 1, 0};                                   // T, F, F, T
        for (int i = 0; i < 4; i++) {
            double[] logits = NaiveForward.logits(model.weights(), 2, scale, strings[i]);
            assertEquals(answers[i], NaiveForward.argmax(logits), "string " + i);
            assertEquals(1.0, Math.abs(logits[0] - logits[1]), 1e-3, "margin of string " + i);
        }
    }

    @Test
    void xorSkipTrigramsOfTheTwoHeadsCancel() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(model.weights(), model.spec()));
        CircuitTable head0 = tables.get("skip_trigrams.L0H0").table();
        CircuitTable head1 = tables.get("skip_trigrams.L0H1").table();
        int c0 = head0.rowLabels().indexOf("C … Q → T");
        int c1 = head1.rowLabels().indexOf("C … Q → T");
        assertTrue(c0 >= 0 && c1 >= 0, head0.rowLabels() + " / " + head1.rowLabels());
        assertTrue(head0.values()[c0][2] > 0 && head1.values()[c1][2] < 0);
        assertClose(0, head0.values()[c0][2] + head1.values()[c1][2], "C … Q → T summed over heads");
        // ... and no ensemble of skip-trigrams does better than chance, while the construction gets all four.
        double[] gap = tables.get("skip_trigram_gap").table().values()[0];
        assertTrue(gap[0] <= 0.5, "skip-trigram accuracy " + gap[0]);
        assertClose(0.5, gap[1], "mean p(correct) of the best ensemble");
    }

    @Test
    void ovCoherentEvouIsSeed000sMatrix() {
        ReferenceModel model = ReferenceModels.ovCoherentOneHead();
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(model.weights(), model.spec()));
        CircuitTable evou = tables.get("EVOU.L0H0").table();
        assertEquals("{1,1}", evou.colLabels().get(0));
        assertEquals("{4,4}", evou.colLabels().get(9));
        for (int t = 0; t < 12; t++) {
            double[] expected = t >= 1 && t <= 4 ? ReferenceModels.OV_COHERENT_EVOU[t - 1] : new double[10];
            assertArrayEquals(expected, evou.values()[t], 0.0, "EVOU row of token " + t);
        }
        assertArrayEquals(new double[] {3, 2, 2, 2, 0, 0, 0, 0, 0, 0}, evou.values()[1], 0.0);
        assertArrayEquals(new double[] {0, 0, 0, 2, 0, 0, 2, 0, 2, 3}, evou.values()[4], 0.0);
        double[] fromReadoff = tables.get("scores_readoff.L0H0").table().values()[1];
        assertClose(10000, fromReadoff[0], "readoff → signal token");
        assertClose(0, tables.get("scores_readoff.L0H0").table().values()[7][2], "readoff → noise token");
        assertNull(tables.get("EVOU.L0H0").error());
    }

    @Test
    void ovCoherentConstructionNamesEveryPair() {
        ReferenceModel model = ReferenceModels.ovCoherentOneHead();
        double scale = 1 / Math.sqrt(model.spec().model().dHead());
        int pair = 0;
        for (int a = 1; a <= 4; a++) {
            for (int b = a; b <= 4; b++) {
                int[] tokens = {5, a, b, 11, 0};
                assertEquals(pair, NaiveForward.argmax(NaiveForward.logits(model.weights(), 1, scale, tokens)),
                        "signals " + a + "," + b);
                int[] reversed = {b, 9, 6, a, 0};
                assertEquals(pair, NaiveForward.argmax(NaiveForward.logits(model.weights(), 1, scale, reversed)));
                pair++;
            }
        }
    }

    @Test
    void referenceModelsSurviveACheckpointRoundTrip() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        var file = Safetensors.read(Safetensors.write(model.weights(), Map.of()));
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(file.tensors(), model.spec()));
        assertClose(10000, tables.get("scores_readoff.L0H0").table().values()[1][0], "after round trip");
    }

    static Map<String, TableResult> byName(List<TableResult> results) {
        results.forEach(r -> assertNull(r.error(), r.name() + ": " + r.error()));
        return results.stream().collect(Collectors.toMap(TableResult::name, r -> r));
    }

    static void assertClose(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-3 * Math.max(1, Math.abs(expected)), what);
    }
}
