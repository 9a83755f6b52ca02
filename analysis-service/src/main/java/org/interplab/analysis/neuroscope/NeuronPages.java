package org.interplab.analysis.neuroscope;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.interplab.contracts.Json;
import org.interplab.contracts.neuroscope.NeuroscopeViews.BandView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.CosineView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.ExampleView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.HistogramView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.LiveLayer;
import org.interplab.contracts.neuroscope.NeuroscopeViews.LiveView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.NeuronActView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.NeuronView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.SimilarView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.TokenScoreView;
import org.interplab.contracts.neuroscope.NeuroscopeViews.TokenTableView;
import org.interplab.core.corpus.Gpt2Tokenizer;
import org.interplab.core.neuroscope.Example;
import org.interplab.core.neuroscope.LiveText;
import org.interplab.core.neuroscope.NeuronStats;
import org.interplab.core.neuroscope.NeuronWeights;
import org.interplab.core.neuroscope.ScanSettings;

/** Builds the neuron page, live text and cosine-structure views from stored scans and the model's weights. */
@ApplicationScoped
public class NeuronPages {
    public static final String LOGIT_NOTE = "W_out[n] centred over d_model, times ln_final.w (folded into W_U as "
            + "TransformerLens fold_ln does), times W_U, centred over the vocabulary; ln_final's input-dependent 1/σ "
            + "is not folded (a positive scale per position: the token ranking is the same at every position)";
    public static final String INPUT_NOTE = "LN1(W_E[t]) · W_in[:, n] + b_in[n]: the neuron's pre-activation from "
            + "the token's embedding alone through ln1 (no positional embedding, no attention)";
    static final double[] BAND_FRACTIONS = {0.1, 0.3, 0.5, 0.7, 0.9};

    @Inject
    ScanInputs inputs;

    private final Map<String, Object> cache = new LinkedHashMap<>(8, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Object> eldest) {
            return size() > 8;
        }
    };

    @SuppressWarnings("unchecked")
    private <T> T cached(String key, java.util.function.Supplier<T> make) {
        synchronized (cache) {
            Object v = cache.get(key);
            if (v != null) {
                return (T) v;
            }
        }
        T v = make.get();
        synchronized (cache) {
            cache.put(key, v);
        }
        return v;
    }

    public static String text(int token) {
        return token >= 0 && token < Gpt2Tokenizer.VOCAB ? Gpt2Tokenizer.get().tokenString(token) : "#" + token;
    }

    static List<String> texts(int[] tokens) {
        List<String> out = new ArrayList<>(tokens.length);
        for (int t : tokens) {
            out.add(text(t));
        }
        return out;
    }

    static ExampleView example(Example e) {
        return new ExampleView(e.position(), e.activation(), e.center(), e.tokens(), texts(e.tokens()), e.acts());
    }

    static TokenTableView table(NeuronWeights.TokenTable t) {
        return new TokenTableView(
                t.top().stream().map(s -> new TokenScoreView(s.token(), text(s.token()), s.value())).toList(),
                t.bottom().stream().map(s -> new TokenScoreView(s.token(), text(s.token()), s.value())).toList(),
                t.sharpness());
    }

    public NeuronView neuron(ScanStore.Scan scan, ScanStore.NeuronRow row) {
        NeuronStats s = StatsCodec.decode(row.stats()).get(0);
        ScanSettings set = scan.params().settings();
        long[] h = s.histogram();
        HistogramView hist = new HistogramView(set.histLo(), set.histHi(), set.histBins(), h[0],
                java.util.Arrays.copyOfRange(h, 1, h.length - 1), h[h.length - 1]);
        List<BandView> bands = s.bandsAtFractions(BAND_FRACTIONS).stream().map(b -> new BandView(b.fraction(),
                b.low(), b.high(), b.samples().stream().map(NeuronPages::example).toList())).toList();
        ScanInputs.LoadedModel model = inputs.model(scan.checkpointId(), scan.spec());
        int l = row.layer(), n = row.neuron();
        NeuronWeights.TokenTable logits = Json.read(row.logits(), NeuronWeights.TokenTable.class);
        return new NeuronView(scan.checkpointId(), scan.id(), scan.corpusId(), l, n, scan.nLayers(), scan.dMlp(),
                s.max(), s.mean(), s.density(), s.count(), hist, s.top().stream().map(NeuronPages::example).toList(),
                bands, s.random().stream().map(NeuronPages::example).toList(), table(logits), LOGIT_NOTE,
                table(NeuronWeights.inputTokens(model.params(), l, n, 20)), INPUT_NOTE,
                similar(scan.checkpointId(), model, l, n, "W_out"), similar(scan.checkpointId(), model, l, n, "W_in"));
    }

    private List<SimilarView> similar(UUID checkpointId, ScanInputs.LoadedModel model, int layer, int neuron,
                                      String which) {
        float[][] units = cached(checkpointId + "/" + layer + "/" + which,
                () -> NeuronWeights.neuronVectors(model.params(), layer, which));
        return NeuronWeights.similar(units, neuron, 10).stream()
                .map(x -> new SimilarView(x.neuron(), x.cosine())).toList();
    }

    public CosineView cosine(UUID checkpointId, int layer, String which, int maxPooled) {
        ScanInputs.LoadedModel model = inputs.model(checkpointId, null);
        if (layer < 0 || layer >= model.model().config().nLayers()) {
            throw new IllegalArgumentException("layer " + layer + " outside [0, " + model.model().config().nLayers() + ")");
        }
        NeuronWeights.CosineStructure cs = cached(checkpointId + "/" + layer + "/" + which + "/cos/" + maxPooled,
                () -> NeuronWeights.cosineStructure(NeuronWeights.neuronVectors(model.params(), layer, which),
                        maxPooled, 1L));
        return new CosineView(checkpointId, layer, which, cs.order().length, cs.order(), cs.pathMeanSqCos(),
                cs.randomPathMeanSqCos(), cs.meanSqCos(), cs.randomMeanSqCos(), cs.poolSize(), cs.pooled());
    }

    /** Longest live text: read in pieces of n_ctx − 1 as a scan reads a story, so a long text is not cut at n_ctx. */
    public static final int MAX_LIVE_TOKENS = 2048;

    public LiveView live(UUID checkpointId, String text, int topN) {
        long started = System.nanoTime();
        ScanInputs.LoadedModel model = inputs.model(checkpointId, null);
        int[] tokens = Gpt2Tokenizer.get().encode(text);
        int max = MAX_LIVE_TOKENS;
        boolean truncated = tokens.length > max;
        if (truncated) {
            tokens = java.util.Arrays.copyOf(tokens, max);
        }
        List<LiveLayer> layers = LiveText.run(model.model(), tokens, topN).stream().map(l -> new LiveLayer(l.layer(),
                l.perToken().stream().map(per -> per.stream().map(a -> new NeuronActView(a.neuron(), a.activation()))
                        .toList()).toList(),
                l.overall().stream().map(a -> new NeuronActView(a.neuron(), a.activation())).toList())).toList();
        return new LiveView(checkpointId, tokens, texts(tokens), truncated, (System.nanoTime() - started) / 1e6,
                layers);
    }
}
