package org.interplab.analysis.promptlab;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.interplab.analysis.promptlab.PromptLab.HeadIntervention;
import org.interplab.contracts.promptlab.PromptLabViews.Attribution;
import org.interplab.contracts.spec.ExperimentSpec;
import org.interplab.contracts.spec.ModelSpec;
import org.interplab.contracts.spec.Presets;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.AdditionTask;
import org.interplab.core.task.Rng;
import org.interplab.core.task.XorTask;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The prompt lab's numbers against an independent computation: a 1-layer attention-only model without LayerNorm
 * (the xor preset's shape, with random weights and random biases) run by hand in double loops from its weights.
 * There each head is the only path from its output to the logits, so zero-ablating it must change the target logit
 * by exactly minus its direct logit attribution.
 */
class PromptLabTest {
    static final double TOL = 1e-4;

    /** The model's weights, random everywhere (biases too, so that b_U and b_O matter). */
    static Transformer randomModel(ModelSpec m, long seed) {
        Transformer.Config c = Transformer.Config.of(m);
        Map<String, INDArray> p = Transformer.init(c, seed);
        Rng rng = new Rng(seed + 1);
        p.replaceAll((name, w) -> name.contains(".b_") || name.endsWith(".b") || name.endsWith("b_U")
                ? w.addi(Nd4j.create(randn(rng, (int) w.length()), w.shape(), w.dataType()).muli(0.3)) : w);
        return new Transformer(c, p);
    }

    static double[] randn(Rng rng, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = rng.nextGaussian();
        }
        return v;
    }

    /** Everything of a 1-layer attention-only model without LayerNorm on one input, by hand. */
    record Manual(double[][][] pattern, double[][][] headOut, double[][] logits) {
    }

    static Manual manual(Transformer model, int[] tokens) {
        Transformer.Config c = model.config();
        Map<String, INDArray> p = model.params();
        int t = tokens.length, d = c.dModel(), nh = c.nHeads(), dh = c.dHead(), vo = c.dVocabOut();
        double[][] x = new double[t][d];
        for (int i = 0; i < t; i++) {
            for (int j = 0; j < d; j++) {
                x[i][j] = p.get("embed.W_E").getDouble(tokens[i], j) + p.get("pos_embed.W_pos").getDouble(i, j);
            }
        }
        double[][][] pattern = new double[nh][t][t];
        double[][][] out = new double[nh][t][d];
        double scale = 1 / Math.sqrt(dh);
        for (int h = 0; h < nh; h++) {
            double[][] q = proj(x, p.get("blocks.0.attn.W_Q"), p.get("blocks.0.attn.b_Q"), h);
            double[][] k = proj(x, p.get("blocks.0.attn.W_K"), p.get("blocks.0.attn.b_K"), h);
            double[][] v = proj(x, p.get("blocks.0.attn.W_V"), p.get("blocks.0.attn.b_V"), h);
            for (int a = 0; a < t; a++) {
                double max = Double.NEGATIVE_INFINITY;
                double[] s = new double[a + 1];
                for (int b = 0; b <= a; b++) {
                    for (int e = 0; e < dh; e++) {
                        s[b] += q[a][e] * k[b][e] * scale;
                    }
                    max = Math.max(max, s[b]);
                }
                double sum = 0;
                for (int b = 0; b <= a; b++) {
                    s[b] = Math.exp(s[b] - max);
                    sum += s[b];
                }
                double[] z = new double[dh];
                for (int b = 0; b <= a; b++) {
                    pattern[h][a][b] = s[b] / sum;
                    for (int e = 0; e < dh; e++) {
                        z[e] += pattern[h][a][b] * v[b][e];
                    }
                }
                for (int j = 0; j < d; j++) {
                    for (int e = 0; e < dh; e++) {
                        out[h][a][j] += z[e] * p.get("blocks.0.attn.W_O").getDouble(h, e, j);
                    }
                }
            }
        }
        double[][] logits = new double[t][vo];
        for (int a = 0; a < t; a++) {
            for (int o = 0; o < vo; o++) {
                double s = p.get("unembed.b_U").getDouble(o);
                for (int j = 0; j < d; j++) {
                    double resid = x[a][j] + p.get("blocks.0.attn.b_O").getDouble(j);
                    for (int h = 0; h < nh; h++) {
                        resid += out[h][a][j];
                    }
                    s += resid * p.get("unembed.W_U").getDouble(j, o);
                }
                logits[a][o] = s;
            }
        }
        return new Manual(pattern, out, logits);
    }

    private static double[][] proj(double[][] x, INDArray w, INDArray b, int h) {
        int dh = (int) w.size(2);
        double[][] y = new double[x.length][dh];
        for (int a = 0; a < x.length; a++) {
            for (int e = 0; e < dh; e++) {
                double s = b.getDouble(h, e);
                for (int j = 0; j < x[a].length; j++) {
                    s += x[a][j] * w.getDouble(h, j, e);
                }
                y[a][e] = s;
            }
        }
        return y;
    }

    static double dot(double[] a, INDArray column) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * column.getDouble(i);
        }
        return s;
    }

    static double attributionOf(List<Attribution> list, String name) {
        return list.stream().filter(a -> a.name().equals(name)).findFirst().orElseThrow().value();
    }

    @Test
    void logitsPatternsAndAttributionMatchAHandComputation() {
        ExperimentSpec spec = Presets.expand("xor", 1L, null);
        Transformer model = randomModel(spec.model(), 7);
        int[] tokens = {XorTask.B, XorTask.D, XorTask.Q};
        int position = 2, target = XorTask.T;
        Manual m = manual(model, tokens);
        PromptLab.Clean clean = PromptLab.clean(model, tokens);

        for (int h = 0; h < 2; h++) {
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    assertEquals(m.pattern()[h][a][b], clean.patterns().get(h).pattern()[a][b], TOL, "pattern L0H" + h);
                }
            }
        }
        assertEquals("L0H1", clean.patterns().get(1).name());
        for (int a = 0; a < 3; a++) {
            for (int o = 0; o < 2; o++) {
                assertEquals(m.logits()[a][o], clean.logits().getDouble(a, o), TOL, "logit at " + a + ", " + o);
            }
        }
        PromptLab.Attributions attr = PromptLab.attribution(model, clean, position, target);
        INDArray wU = model.params().get("unembed.W_U").getColumn(target);
        for (int h = 0; h < 2; h++) {
            assertEquals(dot(m.headOut()[h][position], wU), attributionOf(attr.components(), "L0H" + h), TOL);
        }
        assertEquals(model.params().get("unembed.b_U").getDouble(target), attr.constant(), 1e-6,
                "without LayerNorm the constant is b_U[target]");
        assertEquals(m.logits()[position][target], attr.sum() + attr.constant(), TOL, "the components sum to the logit");
        assertEquals(List.of("embed", "pos_embed", "L0H0", "L0H1", "L0 b_O"),
                attr.components().stream().map(Attribution::name).toList());
        assertTrue(Math.abs(attributionOf(attr.components(), "L0H0")) > 1e-3, "a head that writes something");
    }

    @Test
    void zeroAblatingTheOnlyPathChangesTheLogitByMinusItsAttribution() {
        ExperimentSpec spec = Presets.expand("xor", 1L, null);
        Transformer model = randomModel(spec.model(), 11);
        int[] tokens = {XorTask.A, XorTask.C, XorTask.Q};
        PromptLab.Clean clean = PromptLab.clean(model, tokens);
        for (int h = 0; h < 2; h++) {
            for (int target = 0; target < 2; target++) {
                double dla = attributionOf(PromptLab.attribution(model, clean, 2, target).components(), "L0H" + h);
                INDArray ablated = PromptLab.intervened(model, tokens, PromptLab.hooks(model,
                        List.of(new HeadIntervention(0, h, PromptLab.ZERO)), null, null));
                double delta = ablated.getDouble(2, target) - clean.logits().getDouble(2, target);
                assertEquals(-dla, delta, TOL, "zero-ablating L0H" + h + " on target " + target);
            }
        }
        // both heads zeroed: the logit loses both attributions
        INDArray both = PromptLab.intervened(model, tokens, PromptLab.hooks(model,
                List.of(new HeadIntervention(0, 0, PromptLab.ZERO), new HeadIntervention(0, 1, PromptLab.ZERO)),
                null, null));
        List<Attribution> attr = PromptLab.attribution(model, clean, 2, 0).components();
        assertEquals(-(attributionOf(attr, "L0H0") + attributionOf(attr, "L0H1")),
                both.getDouble(2, 0) - clean.logits().getDouble(2, 0), TOL);
    }

    @Test
    void patchingFromTheSameInputAndMeanOverItselfChangeNothingWhilePatchingAnotherInputDoes() {
        ModelSpec m = new ModelSpec("transformer", 2, 2, 4, 8, 6, 7, 7, 12, false, "LN", true, "gelu_new", null, null,
                null, null, null);
        Transformer model = randomModel(m, 3);
        int[] tokens = {1, 4, 2, 6, 0, 3};
        int[] other = {5, 5, 1, 2, 2, 4};
        INDArray clean = PromptLab.clean(model, tokens).logits();
        List<HeadIntervention> all = List.of(new HeadIntervention(0, 1, PromptLab.PATCH),
                new HeadIntervention(1, 0, PromptLab.PATCH), new HeadIntervention(1, 1, PromptLab.MEAN));
        INDArray same = PromptLab.intervened(model, tokens, PromptLab.hooks(model, all, new int[][] {tokens}, tokens));
        assertArrayEquals(clean.data().asDouble(), same.data().asDouble(), 1e-5);
        INDArray patched = PromptLab.intervened(model, tokens, PromptLab.hooks(model,
                List.of(new HeadIntervention(0, 1, PromptLab.PATCH)), null, other));
        assertTrue(Math.abs(patched.getDouble(5, 3) - clean.getDouble(5, 3)) > 1e-4, "another input's head differs");
    }

    @Test
    void theAttributionOfALayerNormModelSumsToTheLogit() {
        ModelSpec m = new ModelSpec("transformer", 2, 2, 4, 8, 6, 7, 7, 12, false, "LN", true, "gelu_new", null, null,
                null, null, null);
        Transformer model = randomModel(m, 5);
        int[] tokens = {1, 4, 2, 6, 0, 3};
        PromptLab.Clean clean = PromptLab.clean(model, tokens);
        for (int position = 0; position < tokens.length; position++) {
            for (int target = 0; target < 7; target++) {
                PromptLab.Attributions a = PromptLab.attribution(model, clean, position, target);
                assertEquals(clean.logits().getDouble(position, target), a.sum() + a.constant(), TOL);
                assertEquals(2 + 2 * (2 + 1 + 1), a.components().size(), "embed, pos, per layer 2 heads + b_O + MLP");
            }
        }
    }

    @Test
    void eachFieldOfAWrongInterventionIsNamed() {
        Transformer.Config c = Transformer.Config.of(Presets.expand("xor", 1L, null).model());
        assertEquals(List.of(new HeadIntervention(0, 1, "zero"), new HeadIntervention(0, 0, "mean")),
                PromptLabService.interventions("L0H1:zero, L0H0:mean", c));
        for (String bad : new String[] {"L1H0:zero", "L0H2:zero", "L0H0:shuffle", "H0:zero", "L0H0:zero,L0H0:mean"}) {
            PromptInputs.PromptInputException e = assertThrows(PromptInputs.PromptInputException.class,
                    () -> PromptLabService.interventions(bad, c), bad);
            assertEquals("ablate", e.field);
        }
    }

    @Test
    void taskInputFormsReadBackAndKnowTheAnswer() {
        PromptInputs addition = new PromptInputs(Presets.expand("addition", 1L, null));
        int[] sum = addition.parse("123456+654321", "input");
        assertArrayEquals(AdditionTask.encode(123456, 654321, 6), sum);
        assertEquals("123456+654321", addition.format(sum));
        assertEquals(11, addition.defaultPosition(sum));
        assertEquals((6 + 1) % 10, addition.answer(sum, 11), "the first answer digit is (a0 + b0) mod 10");
        assertEquals(0, addition.answer(sum, 17), "777777 has a 0 as its 7th digit");
        assertEquals(-1, addition.answer(sum, 3), "no answer among the operands");
        assertThrows(PromptInputs.PromptInputException.class, () -> addition.parse("1234567+1", "input"));

        PromptInputs xor = new PromptInputs(Presets.expand("xor", 1L, null));
        assertArrayEquals(new int[] {XorTask.B, XorTask.D, XorTask.Q}, xor.parse("b d q", "input"));
        assertEquals(XorTask.T, xor.answer(xor.parse("BDQ", "input"), 2));
        assertEquals(XorTask.F, xor.answer(xor.parse("ADQ", "input"), 2));
        assertEquals("BCQ", xor.format(new int[] {1, 2, 4}));
        assertEquals("F", xor.outputLabel(XorTask.F));
        PromptInputs.PromptInputException e = assertThrows(PromptInputs.PromptInputException.class,
                () -> xor.parse("AXQ", "input"));
        assertEquals("input", e.field);

        PromptInputs ov = new PromptInputs(Presets.expand("ov-coherent", 1L, null));
        int[] seq = ov.parse("7 2 9 4 R", "input");
        assertEquals(org.interplab.core.task.OvCoherentTask.pairIndex(2, 4), ov.answer(seq, 4));
        assertEquals("{2,4}", ov.outputLabel(ov.answer(seq, 4)));
        assertEquals("7 2 9 4 R", ov.format(seq));
    }

    static {
        Nd4j.setDefaultDataTypes(DataType.DOUBLE, DataType.DOUBLE);
    }
}
