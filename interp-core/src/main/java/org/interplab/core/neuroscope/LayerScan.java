package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Accumulates one layer's {@code mlp.hook_post} over the sequences of a shard: per neuron a bounded top-k heap, one
 * bounded heap per activation band and one for random samples (smallest keys), a histogram, counts and a fixed-point
 * sum. Each sequence's activations are first transposed so that every neuron's values are one contiguous column; the
 * hot loop is then per (neuron, token) over flat arrays only: a histogram increment, a sum, and comparisons with each
 * heap's floor (its worst kept activation for top-k, its largest kept key for samples; open until it is full). The
 * random keys are the position's hash, computed once per token, XOR the neuron's salt ({@link ScanSettings#key}),
 * so a candidate that cannot enter a heap costs no hash, no object access and no copy; a window is copied only for
 * one that enters.
 */
public final class LayerScan {
    private final ScanSettings s;
    private final int dMlp;
    private final int histWidth;
    private final BoundedHeap[] top;
    private final BoundedHeap[] random;
    private final BoundedHeap[] bands;   // [neuron · BANDS + band], created on first use
    private final float[] topFloor;      // activation of the current k-th best
    private final long[] randomCeil;     // largest key kept among the random samples (Long.MAX_VALUE until full)
    private final long[] bandCeil;       // [neuron · BANDS + band], the same per band
    private final long[] salt;           // ScanSettings.salt(neuron)
    private final long[] hist;           // [neuron · histWidth + bin]
    private final long[] fires;
    private final long[] sumFixed;
    private long count;
    private float[] column = new float[0];     // one neuron's activations over a sequence: [n · len + t]
    private long[] positionHash = new long[0]; // ScanSettings.positionHash of each token of the sequence

    public LayerScan(int dMlp, ScanSettings s) {
        this.s = s;
        this.dMlp = dMlp;
        histWidth = s.histBins() + 2;
        top = new BoundedHeap[dMlp];
        random = new BoundedHeap[dMlp];
        bands = new BoundedHeap[dMlp * ScanSettings.BANDS];
        topFloor = new float[dMlp];
        randomCeil = new long[dMlp];
        bandCeil = new long[dMlp * ScanSettings.BANDS];
        salt = new long[dMlp];
        Arrays.fill(topFloor, Float.NEGATIVE_INFINITY);
        Arrays.fill(randomCeil, Long.MAX_VALUE);
        Arrays.fill(bandCeil, Long.MAX_VALUE);
        hist = new long[dMlp * histWidth];
        fires = new long[dMlp];
        sumFixed = new long[dMlp];
        for (int n = 0; n < dMlp; n++) {
            top[n] = new BoundedHeap(s.topK());
            random[n] = new BoundedHeap(s.randomSamples());
            salt[n] = ScanSettings.salt(n);
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
        if (column.length < len * dMlp) {
            column = new float[len * dMlp];
            positionHash = new long[len];
        }
        float[] col = column;
        for (int t = 0; t < len; t++) { // transpose [len, dMlp] → [dMlp, len]: each neuron's column contiguous
            int row = offset + t * dMlp;
            for (int n = 0; n < dMlp; n++) {
                col[n * len + t] = acts[row + n];
            }
        }
        long[] ph = positionHash;
        for (int t = from; t < len; t++) {
            ph[t] = s.positionHash(firstPosition + t);
        }
        for (int n = 0; n < dMlp; n++) {
            int c = n * len, histRow = n * histWidth, bandRow = n * ScanSettings.BANDS;
            long sum = 0, fired = 0;
            float floor = topFloor[n];
            long sn = salt[n], ceil = sampleRandom ? randomCeil[n] : -1;
            for (int t = from; t < len; t++) {
                float a = col[c + t];
                hist[histRow + s.bin(a)]++;
                sum += (long) (a * NeuronStats.FIXED);
                if (a > 0) {
                    fired++;
                }
                if (a >= floor) {
                    floor = offerTop(tokens, len, from, firstPosition, n, t, a);
                }
                long key = ScanSettings.key(ph[t], sn);
                if (key <= ceil) {
                    ceil = offerRandom(tokens, len, from, firstPosition, n, t, a, key);
                }
                if (sampleBands && a > 0) {
                    int b = bandRow + ScanSettings.band(a);
                    if (key <= bandCeil[b]) {
                        offerBand(tokens, len, from, firstPosition, n, t, a, key, b);
                    }
                }
            }
            sumFixed[n] += sum;
            fires[n] += fired;
        }
    }

    /** Offers a candidate (activation ≥ the floor) to the neuron's top-k heap; returns the new floor. */
    private float offerTop(int[] tokens, int len, int from, long firstPosition, int n, int t, float a) {
        BoundedHeap h = top[n];
        if (h.accepts(a, firstPosition + t)) {
            h.offer(example(tokens, len, from, firstPosition, n, t, a, a));
            if (h.full()) {
                topFloor[n] = (float) h.worstRank();
            }
        }
        return topFloor[n];
    }

    /** Offers a candidate (key ≤ the ceiling) to the neuron's random samples; returns the new ceiling. */
    private long offerRandom(int[] tokens, int len, int from, long firstPosition, int n, int t, float a, long key) {
        BoundedHeap h = random[n];
        double rank = -(double) key;
        if (h.accepts(rank, firstPosition + t)) {
            h.offer(example(tokens, len, from, firstPosition, n, t, a, rank));
            if (h.full()) {
                randomCeil[n] = (long) -h.worstRank();
            }
        }
        return randomCeil[n];
    }

    private void offerBand(int[] tokens, int len, int from, long firstPosition, int n, int t, float a, long key,
                           int b) {
        BoundedHeap h = bands[b];
        if (h == null) {
            h = bands[b] = new BoundedHeap(s.bandSamples());
        }
        double rank = -(double) key;
        if (h.accepts(rank, firstPosition + t)) {
            h.offer(example(tokens, len, from, firstPosition, n, t, a, rank));
            if (h.full()) {
                bandCeil[b] = (long) -h.worstRank();
            }
        }
    }

    /** The example at token t of the current sequence, its window's activations from the neuron's column. */
    private Example example(int[] tokens, int len, int from, long firstPosition, int n, int t, float a, double rank) {
        int lo = Math.max(from, t - s.before()), hi = Math.min(len, t + s.after() + 1);
        int[] window = Arrays.copyOfRange(tokens, lo, hi);
        float[] windowActs = new float[hi - lo];
        for (int i = lo; i < hi; i++) {
            windowActs[i - lo] = column[n * len + i];
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
