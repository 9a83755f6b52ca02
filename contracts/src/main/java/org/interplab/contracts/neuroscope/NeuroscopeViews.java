package org.interplab.contracts.neuroscope;

import java.util.List;
import java.util.UUID;

/**
 * Neuroscope responses, defined once: the analysis service builds them, the dashboard passes them on and documents
 * them in its OpenAPI. Token ids are GPT-2 ids; {@code text} is each token's display string.
 */
public final class NeuroscopeViews {
    private NeuroscopeViews() {
    }

    /** A scan and its progress: shards done of total, tokens done of total. */
    public record ScanView(UUID scanId, UUID checkpointId, String corpusId, String status, Integer shardsTotal,
                           int shardsDone, Long tokensTotal, long tokensDone, Integer nLayers, Integer dMlp,
                           Integer stories, long maxTokens, String error) {
    }

    public record ScanRequest(String corpus, Long maxTokens) {
    }

    public record ScanAccepted(UUID scanId, boolean created, String status) {
    }

    /** A context window: tokens (ids and text) with the neuron's activation on each; center = the example's token. */
    public record ExampleView(long position, float activation, int center, int[] tokens, List<String> text,
                              float[] acts) {
    }

    public record BandView(double fraction, double low, double high, List<ExampleView> samples) {
    }

    /** Counts per bin: bins equal-width bins between lo and hi, plus underflow (< lo) and overflow (≥ hi). */
    public record HistogramView(double lo, double hi, int bins, long underflow, long[] counts, long overflow) {
    }

    public record TokenScoreView(int token, String text, double value) {
    }

    /** Top and bottom tokens over the vocabulary; sharpness = (max − mean) / std over the vocabulary. */
    public record TokenTableView(List<TokenScoreView> top, List<TokenScoreView> bottom, double sharpness) {
    }

    public record SimilarView(int neuron, double cosine) {
    }

    public record NeuronView(UUID checkpointId, UUID scanId, String corpusId, int layer, int neuron, int nLayers,
                             int dMlp, double maxActivation, double mean, double density, long tokens,
                             HistogramView histogram, List<ExampleView> top, List<BandView> bands,
                             List<ExampleView> random, TokenTableView logitEffect, String logitEffectNote,
                             TokenTableView inputTokens, String inputTokensNote, List<SimilarView> similarByWOut,
                             List<SimilarView> similarByWIn) {
    }

    public record NeuronSummary(int layer, int neuron, double maxActivation, double mean, double density,
                                double logitSharpness, int topLogitToken, String topLogitText) {
    }

    public record NeuronIndex(UUID checkpointId, UUID scanId, String corpusId, int nLayers, int dMlp, long total,
                              String sort, List<NeuronSummary> neurons) {
    }

    public record TokenSearch(UUID checkpointId, int token, String text, List<TokenHit> neurons) {
    }

    public record TokenHit(int layer, int neuron, float activation) {
    }

    public record LiveRequest(String text) {
    }

    public record NeuronActView(int neuron, float activation) {
    }

    public record LiveLayer(int layer, List<List<NeuronActView>> perToken, List<NeuronActView> overall) {
    }

    public record LiveView(UUID checkpointId, int[] tokens, List<String> text, boolean truncated, double millis,
                           List<LiveLayer> layers) {
    }

    /**
     * Seed 001 §2: neuron × neuron cosine of W_out rows (or W_in columns) reordered by a greedy path; pooled = the
     * reordered matrix averaged in poolSize × poolSize blocks; the path statistic beside a random Gaussian matrix's.
     */
    public record CosineView(UUID checkpointId, int layer, String matrix, int neurons, int[] order,
                             double pathMeanSqCos, double randomPathMeanSqCos, double meanSqCos,
                             double randomMeanSqCos, int poolSize, float[][] pooled) {
    }
}
