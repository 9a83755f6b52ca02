package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Accumulates one layer's {@code mlp.hook_post} over the sequences of a shard: per neuron a bounded top-k heap, one
 * bounded heap per activation band and one for random samples (smallest hash keys), a histogram, counts and a
 * fixed-point sum. The hot loop is per (neuron, token) and touches flat arrays only: a histogram increment, a sum, and
 * comparisons with each heap's floor (the rank of its worst kept example, −∞ until it is full), so a candidate that
 * cannot enter a heap costs no object access; a window is copied only for one that enters.
 */
public final class LayerScan {
    private final ScanSettings s;
    private final int dMlp;
    private final int histWidth;
    private final BoundedHeap[] top;
    private final BoundedHeap[] random;
    private final BoundedHeap[] bands;   // [neuron · BANDS + band], created on first use
    private final float[] topFloor;      // activation of the current k-th best
    private final double[] randomFloor;  // rank (−key) of the worst kept random sample
    private final double[] bandFloor;    // [neuron · BANDS + band]
    private final long[] hist;           // [neuron · histWidth + bin]
    private final long[] fires;
    private final long[] sumFixed;
    private long count;

    public LayerScan(int dMlp, ScanSettings s) {
        this.s = s;
        this.dMlp = dMlp;
        histWidth = s.histBins() + 2;
        top = new BoundedHeap[dMlp];
        random = new BoundedHeap[dMlp];
        bands = new BoundedHeap[dMlp * ScanSettings.BANDS];
        topFloor = new float[dMlp];
        randomFloor = new double[dMlp];
        bandFloor = new double[dMlp * ScanSettings.BANDS];
        Arrays.fill(topFloor, Float.NEGATIVE_INFINITY);
        Arrays.fill(randomFloor, Double.NEGATIVE_INFINITY);
        Arrays.fill(bandFloor, Double.NEGATIVE_INFINITY);
        hist = new long[dMlp * histWidth];
        fires = new long[dMlp];
        sumFixed = new long[dMlp];
        for (int n = 0; n < dMlp; n++) {
            top[n] = new BoundedHeap(s.topK());
            random[n] = new BoundedHeap(s.randomSamples());
        }
    }

    /**
     * One sequence (a story or a piece of one): {@code tokens[0..len)} with activations {@code acts[offset + t·dMlp +
     * n]}; positions {@code from..len-1} are scanned (earlier ones, e.g. a separator the model reads first, are
     * context only); {@code firstPosition} is the stream index of {@code tokens[0]}.
     */
    public void accept(int[] tokens, int len, int from, long firstPosition, float[] acts, int offset) {
        count += len - from;
        boolean sampleRandom = s.randomSamples() > 0, sampleBands = s.bandSamples() > 0;
        // neuron by neuron (a column of the piece's activations, which stay in cache): the neuron's histogram row and
        // counters stay in L1 while its tokens go by
        for (int n = 0; n < dMlp; n++) {
            int histRow = n * histWidth, bandRow = n * ScanSettings.BANDS;
            long sum = 0, fired = 0;
            for (int t = from; t < len; t++) {
                float a = acts[offset + t * dMlp + n];
                hist[histRow + s.bin(a)]++;
                sum += (long) (a * NeuronStats.FIXED);
                if (a > 0) {
                    fired++;
                }
                long pos = firstPosition + t;
                if (a >= topFloor[n] && top[n].accepts(a, pos)) {
                    top[n].offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, a));
                    if (top[n].full()) {
                        topFloor[n] = (float) top[n].worstRank();
                    }
                }
                boolean band = sampleBands && a > 0;
                if (!sampleRandom && !band) {
                    continue;
                }
                double rank = -(double) s.key(n, pos);
                if (sampleRandom && rank >= randomFloor[n] && random[n].accepts(rank, pos)) {
                    random[n].offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, rank));
                    if (random[n].full()) {
                        randomFloor[n] = random[n].worstRank();
                    }
                }
                if (band) {
                    int b = bandRow + ScanSettings.band(a);
                    if (rank >= bandFloor[b]) {
                        BoundedHeap h = bands[b];
                        if (h == null) {
                            h = bands[b] = new BoundedHeap(s.bandSamples());
                        }
                        if (h.accepts(rank, pos)) {
                            h.offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, rank));
                            if (h.full()) {
                                bandFloor[b] = h.worstRank();
                            }
                        }
                    }
                }
            }
            sumFixed[n] += sum;
            fires[n] += fired;
        }
    }

    private Example example(int[] tokens, int len, int from, long firstPosition, float[] acts, int offset, int t,
                            int n, float a, double rank) {
        int lo = Math.max(from, t - s.before()), hi = Math.min(len, t + s.after() + 1);
        int[] window = Arrays.copyOfRange(tokens, lo, hi);
        float[] windowActs = new float[hi - lo];
        for (int i = lo; i < hi; i++) {
            windowActs[i - lo] = acts[offset + i * dMlp + n];
        }
        return new Example(firstPosition + t, a, rank, window, windowActs, t - lo);
    }

    public List<NeuronStats> result() {
        List<NeuronStats> out = new ArrayList<>(dMlp);
        for (int n = 0; n < dMlp; n++) {
            TreeMap<Integer, List<Example>> b = new TreeMap<>();
            for (int i = 0; i < ScanSettings.BANDS; i++) {
                BoundedHeap h = bands[n * ScanSettings.BANDS + i];
                if (h != null) {
                    b.put(i, h.sorted());
                }
            }
            out.add(new NeuronStats(top[n].sorted(), b, random[n].sorted(),
                    Arrays.copyOfRange(hist, n * histWidth, (n + 1) * histWidth), count, fires[n], sumFixed[n]));
        }
        return out;
    }
}
