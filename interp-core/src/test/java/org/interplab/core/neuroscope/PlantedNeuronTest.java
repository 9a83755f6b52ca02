package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.interplab.core.model.Activation;
import org.interplab.core.model.Transformer;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Seed 004's " an" neuron, constructed: a one-layer model whose embedding puts " an" (281) and " An" (1052) on
 * residual direction 0, attention writes nothing, and MLP neuron 1 reads direction 0 (pre = 5·x₀ − 1) and writes
 * direction 1, which the unembedding maps to " an" (and less to " An"). The scan must find only those tokens at the
 * neuron's max, and its logit table must put " an" first.
 */
class PlantedNeuronTest {
    static final int AN = 281, CAP_AN = 1052, NEURON = 1;

    static Transformer planted() {
        Transformer.Config cfg = new Transformer.Config(1, 1, 2, 4, 16, Stories.EOT + 1, Stories.EOT + 1, 3, false,
                false, true, Activation.GELU_NEW, null);
        Map<String, INDArray> p = Transformer.init(cfg, 5);
        for (String w : List.of("W_Q", "W_K", "W_V", "W_O")) {
            p.get("blocks.0.attn." + w).assign(0);
        }
        p.get("embed.W_E").getColumn(0).assign(0);
        p.get("embed.W_E").putScalar(AN, 0, 1.0);
        p.get("embed.W_E").putScalar(CAP_AN, 0, 1.0);
        p.get("pos_embed.W_pos").assign(0);
        INDArray wIn = p.get("blocks.0.mlp.W_in");
        wIn.getColumn(NEURON).assign(0);
        wIn.putScalar(0, NEURON, 5.0);
        p.get("blocks.0.mlp.b_in").putScalar(NEURON, -1.0);
        INDArray wOut = p.get("blocks.0.mlp.W_out");
        wOut.getRow(NEURON).assign(0);
        wOut.putScalar(NEURON, 1, 1.0);
        INDArray wU = p.get("unembed.W_U");
        wU.getRow(1).muli(0.01);
        wU.putScalar(1, AN, 3.0);
        wU.putScalar(1, CAP_AN, 2.0);
        return new Transformer(cfg, p);
    }

    /** Stories of random tokens with " an" / " An" sprinkled in (about one in twelve tokens). */
    static Stories corpus(long seed, int stories) {
        Rng rng = new Rng(seed);
        List<Integer> stream = new ArrayList<>();
        for (int s = 0; s < stories; s++) {
            int len = 3 + rng.nextInt(25);
            for (int t = 0; t < len; t++) {
                int r = rng.nextInt(24);
                stream.add(r == 0 ? AN : r == 1 ? CAP_AN : 300 + rng.nextInt(2000));
            }
            stream.add(Stories.EOT);
        }
        return new Stories(stream.stream().mapToInt(Integer::intValue).toArray());
    }

    @Test
    void theAnNeuronsTopTextsAreAnAndItsLogitTableStartsWithAn() {
        Transformer model = planted();
        Stories stories = corpus(1, 24);
        ScanSettings s = ScanSettings.defaults();
        List<LayerScan> layers = NeuronScanner.scan(model, stories, 8, 0, NeuronScanner.groups(24, 8), s, null);
        NeuronStats an = layers.get(0).result().get(NEURON);
        assertEquals(20, an.top().size());
        float max = an.top().get(0).activation();
        double x = 4.0, geluNew = 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
        assertEquals(geluNew, max, 1e-4, "gelu_new(5·1 − 1)");
        for (Example e : an.top()) {
            assertTrue(Set.of(AN, CAP_AN).contains(e.tokens()[e.center()]), "top example on token " + e.tokens()[e.center()]);
            assertEquals(max, e.activation(), 1e-6);
            for (int i = 0; i < e.tokens().length; i++) {
                boolean isAn = e.tokens()[i] == AN || e.tokens()[i] == CAP_AN;
                assertTrue(isAn ? e.acts()[i] == max : e.acts()[i] < 0, "window token " + e.tokens()[i]);
            }
        }
        long ans = 0;
        for (int t : stories.stream()) {
            ans += t == AN || t == CAP_AN ? 1 : 0;
        }
        assertEquals((double) ans / an.count(), an.density(), 1e-12, "fires exactly on an/An");

        NeuronWeights.TokenTable logits = NeuronWeights.logitEffects(model.params(), 0, 20).get(NEURON);
        assertEquals(AN, logits.top().get(0).token());
        assertEquals(CAP_AN, logits.top().get(1).token());
        NeuronWeights.TokenTable input = NeuronWeights.inputTokens(model.params(), 0, NEURON, 5);
        assertEquals(List.of(AN, CAP_AN), input.top().subList(0, 2).stream().map(NeuronWeights.TokenScore::token).toList());
    }

    @Test
    void modelShardsOnBatchBoundariesMergeToTheWholeScan() throws IOException {
        Transformer model = planted();
        Stories stories = corpus(2, 12);
        ScanSettings s = ScanSettings.defaults();
        List<NeuronStats> whole = NeuronScanner.scan(model, stories, 4, 0, 3, s, null).get(0).result();
        List<NeuronStats> a = NeuronScanner.scan(model, stories, 4, 0, 1, s, null).get(0).result();
        List<NeuronStats> b = NeuronScanner.scan(model, stories, 4, 1, 3, s, null).get(0).result();
        assertArrayEquals(LayerScanTest.bytes(whole), LayerScanTest.bytes(NeuronStats.mergeAll(List.of(b, a), s)));
    }
}
