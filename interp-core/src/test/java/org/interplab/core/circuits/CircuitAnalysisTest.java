package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class CircuitAnalysisTest {

    @Test
    void everyTableOfATwoHeadModelInOrder() {
        List<TableResult> results = CircuitAnalysis.analyse(TransformerCircuitsTest.randomWeights(3, 5),
                TransformerCircuitsTest.spec("xor", true, 5));
        assertEquals(List.of("EU",
                        "EQKE.L0H0", "EQKE_pos.L0H0", "EVOU.L0H0", "skip_trigrams.L0H0",
                        "EQKE.L0H1", "EQKE_pos.L0H1", "EVOU.L0H1", "skip_trigrams.L0H1",
                        "scores_readoff.L0H0", "scores_readoff.L0H1", "skip_trigram_gap",
                        "head_order", "head_order_reversed", "head_order_tau", "direct_logit_attribution",
                        "attention_pattern.S0.L0H0", "attention_pattern.S0.L0H1",
                        "attention_pattern.S1.L0H0", "attention_pattern.S1.L0H1",
                        "attention_pattern.S2.L0H0", "attention_pattern.S2.L0H1",
                        "attention_pattern.S3.L0H0", "attention_pattern.S3.L0H1"),
                results.stream().map(TableResult::name).collect(Collectors.toList()));
        for (TableResult r : results) {
            assertNull(r.error(), r.name());
            assertEquals(r.name(), r.table().name());
            assertEquals(r.table().rowLabels().size(), r.table().values().length, r.name());
            assertEquals(r.table().colLabels().size(), r.table().values()[0].length, r.name());
        }
    }

    @Test
    void aFailingTableDoesNotLoseTheOthers() {
        // 2100² token pairs exceed the table limit: EQKE (and the skip-trigrams built on it) fail, the rest come.
        int dVocab = 2100;
        Map<String, INDArray> weights = TransformerCircuitsTest.randomWeights(4, dVocab);
        List<TableResult> results = CircuitAnalysis.analyse(weights, TransformerCircuitsTest.spec(null, true, dVocab));
        Map<String, TableResult> byName = results.stream()
                .collect(Collectors.toMap(TableResult::name, r -> r));
        assertEquals("IllegalArgumentException: EQKE would have 2100 × 2100 cells, more than the 4000000 a table "
                + "may hold", byName.get("EQKE.L0H1").error());
        assertNull(byName.get("EQKE.L0H1").table());
        assertNotNull(byName.get("skip_trigrams.L0H0").error());
        assertEquals(2100, byName.get("EVOU.L0H1").table().values().length);
        assertNotNull(byName.get("EQKE_pos.L0H0").table());
        assertNotNull(byName.get("EU").table());
        assertEquals(9, results.size(), "no readoff table without a task");
    }
}
