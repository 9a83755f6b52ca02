package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.SequenceTask;
import org.interplab.core.task.TokenBatch;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ForwardTablesTest {
    static final int N_DIGITS = 2, N_HEADS = 3, D_HEAD = 2, D_MODEL = 8, N_CTX = 3 * N_DIGITS + 1;

    static ExperimentSpec additionSpec(String normalization) {
        ModelSpec model = new ModelSpec("transformer", 1, N_HEADS, D_HEAD, D_MODEL, N_CTX, 12, 10, null, true,
                normalization, true, null, null, null, null, null, null);
        TaskSpec task = new TaskSpec("addition", null, N_DIGITS, 60, 40, null, null, null, null);
        return new ExperimentSpec("add", task, model, null, 5L, List.of());
    }

    static Map<String, INDArray> weights(long seed) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.randn(DataType.DOUBLE, 12, D_MODEL));
        w.put("pos_embed.W_pos", Nd4j.randn(DataType.DOUBLE, N_CTX, D_MODEL));
        for (String m : List.of("W_Q", "W_K", "W_V")) {
            w.put("blocks.0.attn." + m, Nd4j.randn(DataType.DOUBLE, N_HEADS, D_MODEL, D_HEAD));
        }
        for (String b : List.of("b_Q", "b_K", "b_V")) {
            w.put("blocks.0.attn." + b, Nd4j.randn(DataType.DOUBLE, N_HEADS, D_HEAD));
        }
        w.put("blocks.0.attn.W_O", Nd4j.randn(DataType.DOUBLE, N_HEADS, D_HEAD, D_MODEL));
        w.put("blocks.0.attn.b_O", Nd4j.randn(DataType.DOUBLE, D_MODEL));
        w.put("unembed.W_U", Nd4j.randn(DataType.DOUBLE, D_MODEL, 10));
        w.put("unembed.b_U", Nd4j.randn(DataType.DOUBLE, 10));
        return w;
    }

    /** The weights with W_O of every head but {@code keep} zeroed (keep −1: all), for the loop-by-loop forward. */
    static Map<String, INDArray> onlyHead(Map<String, INDArray> w, int keep) {
        Map<String, INDArray> copy = new LinkedHashMap<>(w);
        INDArray wO = w.get("blocks.0.attn.W_O").dup();
        for (int h = 0; h < N_HEADS; h++) {
            if (h != keep) {
                wO.slice(h).assign(0);
            }
        }
        copy.put("blocks.0.attn.W_O", wO);
        return copy;
    }

    static Map<String, TableResult> analyse(Map<String, INDArray> w, ExperimentSpec spec) {
        return CircuitAnalysis.analyse(w, spec).stream().collect(Collectors.toMap(TableResult::name, r -> r));
    }

    @Test
    void onlyHeadGridMatchesALoopByLoopForward() {
        Map<String, INDArray> w = weights(31);
        Map<String, TableResult> results = analyse(w, additionSpec("none"));
        double scale = 1 / Math.sqrt(D_HEAD);
        for (int h = 0; h < N_HEADS; h++) {
            TableResult r = results.get("only_head.L0H" + h);
            assertNull(r.error());
            CircuitTable grid = r.table();
            assertEquals("digit at position 0", grid.rowAxis());
            assertEquals("digit at position " + N_DIGITS, grid.colAxis());
            for (int a = 0; a < 10; a += 3) {
                for (int b = 0; b < 10; b += 4) {
                    // the logits at position 2n−1 see positions 0…2n−1 only
                    int[] prefix = java.util.Arrays.copyOf(AdditionTask.encode(a, b, N_DIGITS), 2 * N_DIGITS);
                    double[] logits = NaiveForward.logits(onlyHead(w, h), N_HEADS, scale, prefix);
                    assertEquals(logits[(a + b) % 10], grid.values()[a][b], 1e-9, "head " + h + " a0 " + a + " b0 " + b);
                }
            }
        }
    }

    @Test
    void allHeadsAblatedIsTheDirectPathOfTheReadPosition() {
        Map<String, INDArray> w = weights(32);
        CircuitTable base = analyse(w, additionSpec("none")).get("all_heads_ablated").table();
        // Residual at position 2n−1 = 3: W_E['0'] (b's last digit is 0) + W_pos[3] + b_O, read by W_U + b_U.
        INDArray resid = w.get("embed.W_E").getRow(0).add(w.get("pos_embed.W_pos").getRow(2 * N_DIGITS - 1))
                .add(w.get("blocks.0.attn.b_O"));
        double[] logits = resid.reshape(1, D_MODEL).mmul(w.get("unembed.W_U")).reshape(10)
                .add(w.get("unembed.b_U")).toDoubleVector();
        for (int a = 0; a < 10; a++) {
            for (int b = 0; b < 10; b++) {
                assertEquals(logits[(a + b) % 10], base.values()[a][b], 1e-9);
            }
        }
    }

    @Test
    void directLogitAttributionSumsToTheModelsCorrectLogit() {
        Map<String, INDArray> w = weights(33);
        ExperimentSpec spec = additionSpec("none");
        CircuitTable dla = analyse(w, spec).get("direct_logit_attribution").table();
        assertEquals(List.of("L0H0", "L0H1", "L0H2"), dla.rowLabels());
        TokenBatch test = SequenceTask.create(spec.task(), 5L).test();
        double scale = 1 / Math.sqrt(D_HEAD);
        // By hand over the 40 test sequences × 3 answer positions: full − no-head logit of the correct digit,
        // whose sum over heads is the whole attention layer's direct effect (heads add linearly).
        double[] perHead = new double[N_HEADS];
        double total = 0;
        int count = 0;
        for (int i = 0; i < test.size(); i++) {
            for (int p = 0; p < N_CTX; p++) {
                int y = test.targets()[i][p];
                if (y == TokenBatch.NO_LOSS) {
                    continue;
                }
                int[] prefix = java.util.Arrays.copyOf(test.tokens()[i], p + 1);
                double none = NaiveForward.logits(onlyHead(w, -1), N_HEADS, scale, prefix)[y];
                total += NaiveForward.logits(w, N_HEADS, scale, prefix)[y] - none;
                for (int h = 0; h < N_HEADS; h++) {
                    perHead[h] += NaiveForward.logits(onlyHead(w, h), N_HEADS, scale, prefix)[y] - none;
                }
                count++;
            }
        }
        assertEquals(40 * (N_DIGITS + 1), count);
        double sum = 0;
        for (int h = 0; h < N_HEADS; h++) {
            assertEquals(perHead[h] / count, dla.values()[h][0], 1e-9);
            sum += dla.values()[h][0];
        }
        assertEquals(total / count, sum, 1e-9);
        assertTrue(dla.description().contains("120 loss positions of the first 40 test sequences"));
    }

    @Test
    void attributionIsRefusedUnderLayerNorm() {
        ExperimentSpec spec = additionSpec("LN");
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> ForwardTables.directLogitAttribution(weights(34), spec));
        assertTrue(e.getMessage().startsWith("direct logit attribution by ablation is exact only for 1-layer"));
        // ... and not listed by the analysis, while the ablation grids still come (LayerNorm weights absent = 1, 0)
        Map<String, TableResult> results = analyse(weights(34), spec);
        assertEquals(null, results.get("direct_logit_attribution"));
        assertNull(results.get("only_head.L0H1").error());
    }
}
