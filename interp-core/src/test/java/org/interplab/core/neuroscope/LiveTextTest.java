package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.Arrays;
import java.util.List;
import org.interplab.core.model.Activation;
import org.interplab.core.model.Transformer;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Live text on a text longer than the model's context: every token gets the activations of the piece of n_ctx − 1
 * tokens it falls in, read after an end-of-text token (as a scan reads a story), checked against separate runs of
 * each piece through the model's own hook cache; a short text is one such run.
 */
class LiveTextTest {
    static final int N_CTX = 8;

    static Transformer model() {
        Transformer.Config cfg = new Transformer.Config(2, 2, 4, 16, N_CTX, Stories.EOT + 1, Stories.EOT + 1, 24, false,
                true, false, Activation.GELU_NEW, null);
        return new Transformer(cfg, Transformer.init(cfg, 7));
    }

    /** hook_post of one layer, [pos, d_mlp], for one sequence. */
    static float[][] posts(Transformer model, int[] sequence, int layer) {
        String hook = "blocks." + layer + ".mlp.hook_post";
        INDArray a = model.runWithCache(new int[][] {sequence}, n -> n.equals(hook)).get(hook);
        float[][] out = new float[sequence.length][(int) a.size(2)];
        for (int t = 0; t < sequence.length; t++) {
            for (int n = 0; n < out[t].length; n++) {
                out[t][n] = a.getFloat(0, t, n);
            }
        }
        return out;
    }

    static void check(Transformer model, int[] tokens) {
        int piece = N_CTX - 1;
        List<LiveText.Layer> live = LiveText.run(model, tokens, 5);
        for (int l = 0; l < 2; l++) {
            assertEquals(tokens.length, live.get(l).perToken().size(), "one entry per token");
            float[] maxOver = new float[24];
            Arrays.fill(maxOver, Float.NEGATIVE_INFINITY);
            for (int from = 0; from < tokens.length; from += piece) {
                int len = Math.min(piece, tokens.length - from);
                int[] seq = new int[len + 1];
                seq[0] = Stories.EOT;
                System.arraycopy(tokens, from, seq, 1, len);
                float[][] expected = posts(model, seq, l);
                for (int i = 0; i < len; i++) {
                    List<LiveText.NeuronAct> got = live.get(l).perToken().get(from + i);
                    float[] row = expected[1 + i];
                    int best = 0;
                    for (int n = 1; n < row.length; n++) {
                        best = row[n] > row[best] ? n : best;
                    }
                    assertEquals(best, got.get(0).neuron(), "layer " + l + " token " + (from + i) + ": top neuron");
                    assertEquals(row[best], got.get(0).activation(), 1e-5, "its activation");
                    for (int n = 0; n < row.length; n++) {
                        maxOver[n] = Math.max(maxOver[n], row[n]);
                    }
                }
            }
            int bestOverall = 0;
            for (int n = 1; n < maxOver.length; n++) {
                bestOverall = maxOver[n] > maxOver[bestOverall] ? n : bestOverall;
            }
            assertEquals(bestOverall, live.get(l).overall().get(0).neuron(), "layer " + l + ": top neuron of the text");
        }
    }

    @Test
    void aTextLongerThanTheContextIsReadInScanPieces() {
        Transformer model = model();
        int[] tokens = new int[20];   // pieces of 7, 7 and 6 tokens
        for (int i = 0; i < tokens.length; i++) {
            tokens[i] = 100 + 37 * i;
        }
        check(model, tokens);
        check(model, Arrays.copyOf(tokens, 5));   // shorter than one piece
        check(model, Arrays.copyOf(tokens, 14));  // exactly two pieces
    }

    @Test
    void piecesAreIndependentOfEachOther() {
        Transformer model = model();
        int[] a = new int[14];
        for (int i = 0; i < a.length; i++) {
            a[i] = 500 + i;
        }
        int[] b = a.clone();
        b[0] = 42;   // changes the first piece only
        List<LiveText.NeuronAct> lastOfA = LiveText.run(model, a, 24).get(1).perToken().get(13);
        List<LiveText.NeuronAct> lastOfB = LiveText.run(model, b, 24).get(1).perToken().get(13);
        assertEquals(lastOfA, lastOfB, "the second piece does not see the first");
        assertNotEquals(LiveText.run(model, a, 24).get(1).perToken().get(3), LiveText.run(model, b, 24).get(1)
                .perToken().get(3), "the first piece does see its own first token");
    }
}
