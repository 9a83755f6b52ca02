package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Accumulates one layer's {@code mlp.hook_post} over the sequences of a shard: per neuron a bounded top-k heap, one
 * bounded heap per activation band and one for random samples (smallest hash keys), a histogram, counts and a
 * fixed-point sum. The hot loop is per (token, neuron): a histogram increment, two additions and comparisons with
 * the heaps' roots held in flat arrays; a window is copied only for a candidate that enters a heap.
 */
public final class LayerScan {
    private final ScanSettings s;
    private final int dMlp;
    private final BoundedHeap[] top;
    private final BoundedHeap[] random;
    private final BoundedHeap[][] bands;
    private final float[] topFloor;   // activation of the current k-th best (−∞ until the heap is full)
    private final long[][] hist;
    private final long[] fires;
    private final long[] sumFixed;
    private long count;

    public LayerScan(int dMlp, ScanSettings s) {
        this.s = s;
        this.dMlp = dMlp;
        top = new BoundedHeap[dMlp];
        random = new BoundedHeap[dMlp];
        bands = new BoundedHeap[dMlp][];
        topFloor = new float[dMlp];
        Arrays.fill(topFloor, Float.NEGATIVE_INFINITY);
        hist = new long[dMlp][s.histBins() + 2];
        fires = new long[dMlp];
        sumFixed = new long[dMlp];
        for (int n = 0; n < dMlp; n++) {
            top[n] = new BoundedHeap(s.topK());
            random[n] = new BoundedHeap(s.randomSamples());
            bands[n] = new BoundedHeap[ScanSettings.BANDS];
        }
    }

    /**
     * One sequence (a story or a piece of one): {@code tokens[0..len)} with activations {@code acts[offset + t·dMlp +
     * n]}; positions {@code from..len-1} are scanned (earlier ones, e.g. a separator the model reads first, are
     * context only); {@code firstPosition} is the stream index of {@code tokens[0]}.
     */
    public void accept(int[] tokens, int len, int from, long firstPosition, float[] acts, int offset) {
        count += len - from;
        for (int t = from; t < len; t++) {
            long pos = firstPosition + t;
            int row = offset + t * dMlp;
            for (int n = 0; n < dMlp; n++) {
                float a = acts[row + n];
                hist[n][s.bin(a)]++;
                sumFixed[n] += (long) (a * NeuronStats.FIXED);
                if (a >= topFloor[n] && top[n].accepts(a, pos)) {
                    top[n].offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, a));
                    if (top[n].full()) {
                        topFloor[n] = (float) top[n].worstRank();
                    }
                }
                if (s.randomSamples() > 0 || (a > 0 && s.bandSamples() > 0)) {
                    double rank = -(double) s.key(n, pos);
                    if (random[n].accepts(rank, pos)) {
                        random[n].offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, rank));
                    }
                    if (a > 0 && s.bandSamples() > 0) {
                        int b = ScanSettings.band(a);
                        BoundedHeap h = bands[n][b];
                        if (h == null) {
                            h = bands[n][b] = new BoundedHeap(s.bandSamples());
                        }
                        if (h.accepts(rank, pos)) {
                            h.offer(example(tokens, len, from, firstPosition, acts, offset, t, n, a, rank));
                        }
                    }
                }
                if (a > 0) {
                    fires[n]++;
                }
            }
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
                if (bands[n][i] != null) {
                    b.put(i, bands[n][i].sorted());
                }
            }
            out.add(new NeuronStats(top[n].sorted(), b, random[n].sorted(), hist[n].clone(), count, fires[n],
                    sumFixed[n]));
        }
        return out;
    }
}
