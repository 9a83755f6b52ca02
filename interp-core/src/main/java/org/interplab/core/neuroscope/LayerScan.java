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
    private final BoundedHeap.Store store; // every heap's examples, in chunks of flat arrays
    private final BoundedHeap[] top;
    private final BoundedHeap[] random;
    private final BoundedHeap[] bands;   // [neuron · BANDS + band], created on first use
    private final float[] topFloor;      // activation of the current k-th best
    private final long[] randomCeil;     // largest key kept among the random samples (Long.MAX_VALUE until full)
    private final long[] bandCeil;       // [neuron · BANDS + band], the same per band; then noBand's, −1
    private final int noBand;            // the index whose ceiling no key passes (non-positive activations)
    private final boolean sampleRandom;
    private final long[] salt;           // ScanSettings.salt(neuron)
    private final long[] hist;           // [neuron · histWidth + bin]
    private final long[] fires;
    private final long[] sumFixed;
    private long count;
    private float[] column = new float[0];     // accept's transpose: neuron n's activation at t in [n · len + t]
    private final List<BoundedHeap> listed = new ArrayList<>(); // heaps holding candidates of this batch
    private long[] positionHash = new long[0]; // ScanSettings.positionHash of each row of the batch

    public LayerScan(int dMlp, ScanSettings s) {
        this.s = s;
        this.dMlp = dMlp;
        histWidth = s.histBins() + 2;
        // top-k and random heaps now, bands on first use (a neuron's activations reach only some of them)
        store = new BoundedHeap.Store(s.before() + s.after() + 1);
        top = new BoundedHeap[dMlp];
        random = new BoundedHeap[dMlp];
        bands = new BoundedHeap[dMlp * ScanSettings.BANDS];
        topFloor = new float[dMlp];
        randomCeil = new long[dMlp];
        noBand = dMlp * ScanSettings.BANDS;
        bandCeil = new long[noBand + 1];
        sampleRandom = s.randomSamples() > 0;
        salt = new long[dMlp];
        Arrays.fill(topFloor, Float.NEGATIVE_INFINITY);
        Arrays.fill(randomCeil, Long.MAX_VALUE);
        Arrays.fill(bandCeil, s.bandSamples() > 0 ? Long.MAX_VALUE : -1); // keys are ≥ 0: −1 takes none
        bandCeil[noBand] = -1;
        hist = new long[dMlp * histWidth];
        fires = new long[dMlp];
        sumFixed = new long[dMlp];
        for (int n = 0; n < dMlp; n++) {
            top[n] = new BoundedHeap(store, s.topK());
            random[n] = new BoundedHeap(store, s.randomSamples());
            salt[n] = ScanSettings.salt(n);
        }
    }

    /**
     * One sequence (a story or a piece of one): {@code tokens[0..len)} with activations {@code acts[offset + t·dMlp +
     * n]}; positions {@code from..len-1} are scanned (earlier ones, e.g. a separator the model reads first, are
     * context only); {@code firstPosition} is the stream index of {@code tokens[0]}.
     */
    public void accept(int[] tokens, int len, int from, long firstPosition, float[] acts, int offset) {
        if (column.length < len * dMlp) {
            column = new float[len * dMlp];
        }
        float[] col = column;
        for (int t = 0; t < len; t++) { // transpose [len, dMlp] → [dMlp, len]: each neuron's column contiguous
            int row = offset + t * dMlp;
            for (int n = 0; n < dMlp; n++) {
                col[n * len + t] = acts[row + n];
            }
        }
        acceptBatch(new int[][] {Arrays.copyOf(tokens, len)}, from, new long[] {firstPosition}, col, len);
    }

    /**
     * A batch of sequences as {@link #accept} each, their activations read from one transposed array: neuron n's
     * activation at token t of sequence i is {@code actsT[n · rows + start_i + t]}, start_i = Σ_{j<i} len_j (the
     * layout of {@link ScanForward}: every neuron's activations over the batch one contiguous row). Goes neuron by
     * neuron over the whole batch, so each neuron's floors, heaps and histogram row are loaded once per batch.
     *
     * @param seqs           the sequences' tokens (len_i = seqs[i].length)
     * @param from           positions before it in each sequence are context only
     * @param firstPositions stream index of each sequence's token 0
     */
    public void acceptBatch(int[][] seqs, int from, long[] firstPositions, float[] actsT, int rows) {
        if (positionHash.length < rows) {
            positionHash = new long[rows];
        }
        Sequence[] qs = new Sequence[seqs.length];
        int start = 0;
        for (int i = 0; i < seqs.length; i++) {
            int len = seqs[i].length;
            count += len - from;
            for (int t = from; t < len; t++) {
                positionHash[start + t] = s.positionHash(firstPositions[i] + t);
            }
            qs[i] = new Sequence(i, seqs[i], len, from, firstPositions[i], actsT, start);
            start += len;
        }
        for (int n = 0; n < dMlp; n++) {
            for (Sequence q : qs) {
                scanNeuron(q, n, n * rows + q.start);
            }
            // the batch's arrays are not kept: copy the windows of what stayed, now that no later candidate of this
            // batch can reach this neuron's heaps, and while its row of activations is still in the cache
            for (BoundedHeap h : listed) {
                h.materialise(seqs, actsT);
                h.listed = false;
            }
            listed.clear();
        }
    }

    /**
     * Offers a candidate to a heap; when it is kept, its window is recorded as pending (copied when the neuron's
     * pass over the batch ends, if it is still kept then) and the heap listed for that. Returns whether it was kept.
     */
    private boolean offer(BoundedHeap h, Sequence q, int c, int t, float a, double rank) {
        int slot = h.offer(rank, q.firstPosition + t);
        if (slot < 0) {
            return false;
        }
        int lo = Math.max(q.from, t - s.before()), hi = Math.min(q.len, t + s.after() + 1);
        h.pend(slot, a, q.index, lo, hi, c + lo, t);
        if (!h.listed) {
            h.listed = true;
            listed.add(h);
        }
        return true;
    }

    /**
     * A sequence being scanned: its index in the batch, its tokens, its activations, and its first row in the batch
     * (positionHash).
     */
    private record Sequence(int index, int[] tokens, int len, int from, long firstPosition, float[] acts, int start) {
    }

    /**
     * Neuron n over the sequence, its activation at token t in {@code q.acts[c + t]}: per token a histogram increment,
     * a sum, and one compare per heap against its floor; the band heap is looked up branch-free (a non-positive
     * activation reads a ceiling no key passes).
     */
    private void scanNeuron(Sequence q, int n, int c) {
        // every array and setting the loop reads is a local: the loop calls out (offers), after which a field would
        // have to be read again, so read from fields they were loaded at every activation
        float[] col = q.acts;
        long[] ph = positionHash, hs = hist, bc = bandCeil;
        float lo = s.histLo(), hi = s.histHi(), width = hi - lo;
        int bins = s.histBins(), none = noBand;
        int histRow = n * histWidth, bandRow = n * ScanSettings.BANDS, from = q.from, len = q.len, h0 = q.start;
        long sum = 0, fired = 0;
        float floor = topFloor[n];
        long sn = salt[n], ceil = sampleRandom ? randomCeil[n] : -1;
        for (int t = from; t < len; t++) {
            float a = col[c + t];
            hs[histRow + ScanSettings.bin(a, lo, hi, width, bins)]++;
            sum += (long) (a * NeuronStats.FIXED);
            fired += a > 0 ? 1 : 0;
            if (a >= floor) {
                floor = offerTop(q, n, c, t, a);
            }
            long key = ScanSettings.key(ph[h0 + t], sn);
            if (key <= ceil) {
                ceil = offerRandom(q, n, c, t, a, key);
            }
            int b = ScanSettings.bandOrNone(a, bandRow, none);
            if (key <= bc[b]) {
                offerBand(q, c, t, a, key, b);
            }
        }
        sumFixed[n] += sum;
        fires[n] += fired;
    }

    /** Offers a candidate (activation ≥ the floor) to the neuron's top-k heap; returns the new floor. */
    private float offerTop(Sequence q, int n, int c, int t, float a) {
        BoundedHeap h = top[n];
        if (offer(h, q, c, t, a, a) && h.full()) {
            topFloor[n] = (float) h.worstRank();
        }
        return topFloor[n];
    }

    /** Offers a candidate (key ≤ the ceiling) to the neuron's random samples; returns the new ceiling. */
    private long offerRandom(Sequence q, int n, int c, int t, float a, long key) {
        BoundedHeap h = random[n];
        if (offer(h, q, c, t, a, -(double) key) && h.full()) {
            randomCeil[n] = (long) -h.worstRank();
        }
        return randomCeil[n];
    }

    private void offerBand(Sequence q, int c, int t, float a, long key, int b) {
        BoundedHeap h = bands[b];
        if (h == null) {
            h = bands[b] = new BoundedHeap(store, s.bandSamples());
        }
        if (offer(h, q, c, t, a, -(double) key) && h.full()) {
            bandCeil[b] = (long) -h.worstRank();
        }
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
