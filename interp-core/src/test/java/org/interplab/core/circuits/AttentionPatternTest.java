package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.core.circuits.ReferenceModels.ReferenceModel;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class AttentionPatternTest {
    static Map<String, TableResult> byName(List<TableResult> results) {
        return results.stream().collect(Collectors.toMap(TableResult::name, r -> r));
    }

    @Test
    void xorReferencePatternsAreTheClosedForm() {
        ReferenceModel model = ReferenceModels.xorConstruction();
        Map<String, TableResult> tables = byName(CircuitAnalysis.analyse(model.weights(), model.spec()));
        TokenBatch test = SequenceTask.create(model.spec().task(), 0L).test();
        String[] names = {"A", "B", "C", "D", "Q"};
        for (int s = 0; s < 4; s++) {
            int[] tokens = test.tokens()[s];
            for (int h = 0; h < 2; h++) {
                TableResult r = tables.get("attention_pattern.S" + s + ".L0H" + h);
                assertNull(r.error(), "S" + s + " H" + h);
                CircuitTable p = r.table();
                assertEquals("attention_pattern", p.kind());
                List<String> labels = List.of("0:" + names[tokens[0]], "1:" + names[tokens[1]], "2:Q");
                assertEquals(labels, p.rowLabels());
                assertEquals(labels, p.colLabels());
                double[][] v = p.values();
                // queries A/B and C/D have q = 0 (W_Q reads Q only): uniform over the visible keys
                assertEquals(1.0, v[0][0], 1e-6);
                assertEquals(0.5, v[1][0], 1e-6);
                assertEquals(0.5, v[1][1], 1e-6);
                // from Q: head 0 scores B +10000 (A, Q −10000, C/D 0); head 1 the same with A and B swapped
                int favoured = h == 0 ? 1 : 0;
                int expectedKey = tokens[0] == favoured ? 0 : 1;
                assertEquals(1.0, v[2][expectedKey], 1e-6, "S" + s + " H" + h);
                assertEquals(0.0, v[2][1 - expectedKey], 1e-6);
                assertEquals(0.0, v[2][2], 1e-6);
                assertCausalAndNormalised(v);
            }
        }
        assertEquals(8, tables.keySet().stream().filter(n -> n.startsWith("attention_pattern.")).count());
    }

    @Test
    void additionPatternsMatchTheCacheAndAreCausal() {
        Map<String, INDArray> w = ForwardTablesTest.weights(41);
        ExperimentSpec spec = ForwardTablesTest.additionSpec("none");
        Map<String, TableResult> tables = ForwardTablesTest.analyse(w, spec);
        int[][] samples = ForwardTables.patternSamples(spec);
        assertEquals(ForwardTables.PATTERN_SAMPLES, samples.length);
        TokenBatch test = SequenceTask.create(spec.task(), 5L).test();
        double scale = 1 / Math.sqrt(ForwardTablesTest.D_HEAD);
        for (int s = 0; s < samples.length; s++) {
            assertEquals(java.util.Arrays.toString(test.tokens()[s]), java.util.Arrays.toString(samples[s]));
            for (int h = 0; h < ForwardTablesTest.N_HEADS; h++) {
                CircuitTable p = tables.get("attention_pattern.S" + s + ".L0H" + h).table();
                double[][] v = p.values();
                assertEquals(ForwardTablesTest.N_CTX, v.length);
                assertCausalAndNormalised(v);
                // one row by hand: softmax over the visible keys of the naive scores
                int q = ForwardTablesTest.N_CTX - 1;
                double[] query = NaiveForward.residual(w, samples[s][q], q);
                double[] e = new double[q + 1];
                double max = Double.NEGATIVE_INFINITY;
                for (int k = 0; k <= q; k++) {
                    e[k] = NaiveForward.score(w, h, scale, query, NaiveForward.residual(w, samples[s][k], k));
                    max = Math.max(max, e[k]);
                }
                double z = 0;
                for (int k = 0; k <= q; k++) {
                    e[k] = Math.exp(e[k] - max);
                    z += e[k];
                }
                for (int k = 0; k <= q; k++) {
                    assertEquals(e[k] / z, v[q][k], 1e-9, "S" + s + " H" + h + " key " + k);
                }
                List<String> in = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "=", "^");
                for (int pos = 0; pos <= q; pos++) {
                    assertEquals(pos + ":" + in.get(samples[s][pos]), p.rowLabels().get(pos));
                }
                assertEquals(p.rowLabels(), p.colLabels());
            }
        }
    }

    static void assertCausalAndNormalised(double[][] v) {
        for (int q = 0; q < v.length; q++) {
            double sum = 0;
            for (int k = 0; k < v[q].length; k++) {
                sum += v[q][k];
                if (k > q) {
                    assertEquals(0.0, v[q][k], 0.0, "query " + q + " key " + k);
                }
            }
            assertEquals(1.0, sum, 1e-6, "row " + q);
        }
    }
}
