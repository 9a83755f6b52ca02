package org.interplab.core.circuits;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.TaskSpec;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TransformerCircuitsTest {
    static final int N_HEADS = 2, D_HEAD = 3, D_MODEL = 6, N_CTX = 3, D_VOCAB = 5, D_OUT = 2;

    static ExperimentSpec spec(String task, boolean attnScale, int dVocab) {
        ModelSpec model = new ModelSpec("transformer", 1, N_HEADS, D_HEAD, D_MODEL, N_CTX, dVocab, D_OUT, null, true,
                "none", attnScale, null, null, null, null, null, null);
        return new ExperimentSpec("t", task == null ? null : TaskSpec.of(task), model, null, 1L, List.of());
    }

    /** Random weights (biases included, non-zero W_pos) in double precision, seeded. */
    static Map<String, INDArray> randomWeights(long seed, int dVocab) {
        Nd4j.getRandom().setSeed(seed);
        Map<String, INDArray> w = new LinkedHashMap<>();
        w.put("embed.W_E", Nd4j.randn(DataType.DOUBLE, dVocab, D_MODEL));
        w.put("pos_embed.W_pos", Nd4j.randn(DataType.DOUBLE, N_CTX, D_MODEL));
        for (String m : List.of("W_Q", "W_K", "W_V")) {
            w.put("blocks.0.attn." + m, Nd4j.randn(DataType.DOUBLE, N_HEADS, D_MODEL, D_HEAD));
        }
        w.put("blocks.0.attn.W_O", Nd4j.randn(DataType.DOUBLE, N_HEADS, D_HEAD, D_MODEL));
        for (String b : List.of("b_Q", "b_K", "b_V")) {
            w.put("blocks.0.attn." + b, Nd4j.randn(DataType.DOUBLE, N_HEADS, D_HEAD));
        }
        w.put("blocks.0.attn.b_O", Nd4j.randn(DataType.DOUBLE, D_MODEL));
        w.put("unembed.W_U", Nd4j.randn(DataType.DOUBLE, D_MODEL, D_OUT));
        w.put("unembed.b_U", Nd4j.randn(DataType.DOUBLE, D_OUT));
        return w;
    }

    @Test
    void qkCircuitsMatchScoresComputedTokenByToken() {
        Map<String, INDArray> w = randomWeights(11, D_VOCAB);
        TransformerCircuits circuits = new TransformerCircuits(w, spec("xor", true, D_VOCAB));
        double scale = 1 / Math.sqrt(D_HEAD);
        for (int h = 0; h < N_HEADS; h++) {
            CircuitTable eqke = circuits.eqke(0, h);
            CircuitTable eqkePos = circuits.eqkePos(0, h);
            assertEquals("EQKE.L0H" + h, eqke.name());
            assertEquals(List.of("A", "B", "C", "D", "Q"), eqke.rowLabels());
            for (int q = 0; q < D_VOCAB; q++) {
                double[] xq = w.get("embed.W_E").getRow(q).toDoubleVector();
                for (int k = 0; k < D_VOCAB; k++) {
                    double[] xk = w.get("embed.W_E").getRow(k).toDoubleVector();
                    assertEquals(NaiveForward.score(w, h, scale, xq, xk), eqke.values()[q][k], 1e-9);
                }
                for (int p = 0; p < N_CTX; p++) {
                    double[] xp = w.get("pos_embed.W_pos").getRow(p).toDoubleVector();
                    assertEquals(NaiveForward.score(w, h, scale, xq, xp), eqkePos.values()[q][p], 1e-9);
                }
            }
        }
    }

    @Test
    void withoutAttnScaleScoresAreNotDivided() {
        Map<String, INDArray> w = randomWeights(12, D_VOCAB);
        double scaled = new TransformerCircuits(w, spec("xor", true, D_VOCAB)).eqke(0, 1).values()[2][3];
        double unscaled = new TransformerCircuits(w, spec("xor", false, D_VOCAB)).eqke(0, 1).values()[2][3];
        assertEquals(unscaled / Math.sqrt(D_HEAD), scaled, 1e-12);
    }

    @Test
    void ovCircuitIsWhatTheHeadWritesWhenAttendingToOneToken() {
        Map<String, INDArray> w = randomWeights(13, D_VOCAB);
        TransformerCircuits circuits = new TransformerCircuits(w, spec("xor", true, D_VOCAB));
        for (int h = 0; h < N_HEADS; h++) {
            CircuitTable evou = circuits.evou(0, h);
            assertEquals(List.of("T", "F"), evou.colLabels());
            for (int t = 0; t < D_VOCAB; t++) {
                double[] v = NaiveForward.project(w, "W_V", "b_V", h, w.get("embed.W_E").getRow(t).toDoubleVector());
                for (int o = 0; o < D_OUT; o++) {
                    double expected = 0;
                    for (int i = 0; i < D_MODEL; i++) {
                        double written = 0;
                        for (int j = 0; j < D_HEAD; j++) {
                            written += v[j] * w.get("blocks.0.attn.W_O").getDouble(h, j, i);
                        }
                        expected += written * w.get("unembed.W_U").getDouble(i, o);
                    }
                    assertEquals(expected, evou.values()[t][o], 1e-9);
                }
            }
        }
    }

    @Test
    void readoffScoresAreTheModelsScoresOnEmbeddingsPlusPositions() {
        Map<String, INDArray> w = randomWeights(14, D_VOCAB);
        TransformerCircuits circuits = new TransformerCircuits(w, spec("xor", true, D_VOCAB));
        assertEquals(new TransformerCircuits.Readoff(4, 2, "Q at the last position"), circuits.readoff());
        double[] query = NaiveForward.residual(w, 4, 2);
        for (int h = 0; h < N_HEADS; h++) {
            CircuitTable table = circuits.scoresReadoff(h);
            assertEquals("scores_readoff.L0H" + h, table.name());
            assertEquals(List.of("0", "1", "2"), table.colLabels());
            for (int t = 0; t < D_VOCAB; t++) {
                for (int p = 0; p < N_CTX; p++) {
                    double expected = NaiveForward.score(w, h, 1 / Math.sqrt(D_HEAD), query, NaiveForward.residual(w, t, p));
                    assertEquals(expected, table.values()[t][p], 1e-9, "token " + t + " position " + p);
                }
            }
        }
    }

    @Test
    void floatWeightsGiveTheSameTablesAsDouble() {
        Map<String, INDArray> w = randomWeights(15, D_VOCAB);
        Map<String, INDArray> f = new LinkedHashMap<>();
        w.forEach((k, v) -> f.put(k, v.castTo(DataType.FLOAT)));
        double[][] d = new TransformerCircuits(w, spec("xor", true, D_VOCAB)).evou(0, 0).values();
        double[][] s = new TransformerCircuits(f, spec("xor", true, D_VOCAB)).evou(0, 0).values();
        assertEquals(d[3][1], s[3][1], 1e-4 * Math.max(1, Math.abs(d[3][1])));
    }

    @Test
    void validationNamesTheTensorAndBothShapes() {
        ExperimentSpec spec = spec("xor", true, D_VOCAB);
        Map<String, INDArray> missing = randomWeights(1, D_VOCAB);
        missing.remove("blocks.0.attn.W_K");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> CircuitAnalysis.analyse(missing, spec));
        assertEquals("missing tensor blocks.0.attn.W_K, expected shape [2, 6, 3]", e.getMessage());

        Map<String, INDArray> wrong = randomWeights(1, D_VOCAB);
        wrong.put("blocks.0.attn.W_O", Nd4j.zeros(DataType.DOUBLE, N_HEADS, D_MODEL, D_HEAD));
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(wrong, spec));
        assertEquals("tensor blocks.0.attn.W_O has shape [2, 6, 3], expected [2, 3, 6]", e.getMessage());

        Map<String, INDArray> badBias = randomWeights(1, D_VOCAB);
        badBias.put("unembed.b_U", Nd4j.zeros(DataType.DOUBLE, D_VOCAB));
        e = assertThrows(IllegalArgumentException.class, () -> CircuitAnalysis.analyse(badBias, spec));
        assertEquals("tensor unembed.b_U has shape [5], expected [2]", e.getMessage());

        Map<String, INDArray> noBiases = randomWeights(1, D_VOCAB);
        noBiases.keySet().removeIf(k -> k.contains(".b_"));
        assertEquals(0, CircuitAnalysis.analyse(noBiases, spec).stream().filter(r -> r.error() != null).count());
    }
}
