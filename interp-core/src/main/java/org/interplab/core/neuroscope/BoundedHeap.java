package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The best {@code capacity} examples seen, as a min-heap whose root is the worst kept one. A candidate is first
 * compared with the root ({@link #accepts}, O(1)); only one that beats it is sifted in (O(log k)).
 * Order: higher rank first, equal ranks to the earlier position — a total order, so the result is exact and does
 * not depend on the order in which examples arrive (which is what makes shard merges exact).
 * <p>
 * The heap holds no arrays of its own: its {@code capacity} entries are a range of a chunk of a {@link Store}
 * shared by all the heaps of a layer (a few primitive arrays per chunk). So a scan allocates nothing per example and
 * the garbage collector has no per-example objects to trace or copy (a scan keeps ~10⁵–10⁶ examples; as objects with
 * two arrays each they were most of its work). {@link Example} objects are built only by {@link #sorted}. The store
 * grows by new chunks, never by copying: one flat store grown by 1.5× copied and zeroed ~350 MB per 3 179-token scan
 * at the 21M shape (its band heaps outgrew the first guess), a fifth of the bookkeeping's time.
 * <p>
 * A heap entry's example lives in a storage slot of the range; sifts move slot numbers ({@code slotAt}) beside the
 * ranks and positions, never windows. A slot's window may be pending: {@link LayerScan} records where it is in the
 * current batch ({@link #pend}) and copies it when the neuron's pass over the batch ends ({@link #materialise}),
 * since most candidates are pushed out again within the batch they entered.
 */
final class BoundedHeap {
    /**
     * Where heaps get their ranges: the current chunk, whose arrays hold entry and slot i of a heap with base b at
     * index b + i (windows at that · width, meta at that · META); a heap that does not fit in the rest of the chunk
     * starts a new one, as large as all chunks before it (from {@link #FIRST_SLOTS} slots up to windows of
     * {@link #CHUNK_INTS} ints), so a small scan allocates little and a large one few chunks. The largest chunks'
     * window arrays are G1 humongous objects at heaps up to 4 GB (1 MB regions): the young collections do not copy
     * them, where copying the examples of 256 KB chunks cost them 3–6 ns per activation at the 21M shape.
     */
    static final class Store {
        // a slot's meta: the activation's float bits, the window's length, the example's index in it; while pending
        // (PEND_SEQ ≥ 0) its sequence in the current batch, the window's first token there and the index of that
        // token's activation in the batch's array
        static final int ACTIVATION = 0, LENGTH = 1, CENTER = 2, PEND_SEQ = 3, PEND_FROM = 4, PEND_COL = 5, META = 8;
        static final int FIRST_SLOTS = 1 << 10;
        /** Most window ints per chunk: 4 MB less a header, a whole number of 1 MB regions. */
        static final int CHUNK_INTS = (1 << 20) - 16;
        final int width;
        private final int firstSlots;
        private final int maxSlots;
        private int used;
        private int size;  // slots of the current chunk
        private long total; // slots of all chunks
        // the current chunk, by heap entry (a heap's root, entry 0, is its worst kept example)
        private double[] ranks;
        private long[] positions;
        private int[] slotAt;     // the entry's storage slot, relative to the heap's base
        // by storage slot: META ints per slot, one cache line or less (an offer writes them all)
        private int[] meta;
        private int[] tokens;
        private float[] acts;

        /** A store for windows of {@code width} tokens. */
        Store(int width) {
            this(width, FIRST_SLOTS, CHUNK_INTS);
        }

        /** A store whose first chunk has {@code firstSlots} slots and whose chunks hold up to chunkInts window ints. */
        Store(int width, int firstSlots, int chunkInts) {
            this.width = width;
            this.firstSlots = firstSlots;
            maxSlots = Math.max(1, chunkInts / width);
        }

        /** Reserves n entries and slots for a new heap; returns their base in the current chunk. */
        private int reserve(int n) {
            if (ranks == null || used + n > size) {
                size = (int) Math.max(n, Math.min(maxSlots, Math.max(firstSlots, total)));
                total += size;
                ranks = new double[size];
                positions = new long[size];
                slotAt = new int[size];
                meta = new int[size * META];
                tokens = new int[size * width];
                acts = new float[size * width];
                for (int slot = 0; slot < size; slot++) {
                    meta[slot * META + PEND_SEQ] = -1;
                }
                used = 0;
            }
            int base = used;
            used += n;
            return base;
        }
    }

    private final int width;
    private final int base;
    private final int capacity;
    private final double[] ranks;
    private final long[] positions;
    private final int[] slotAt;
    private final int[] meta;
    private final int[] tokens;
    private final float[] acts;
    private int size;
    /** Whether LayerScan has this heap on its list of heaps with pending windows. */
    boolean listed;

    BoundedHeap(Store store, int capacity) {
        this.capacity = capacity;
        base = store.reserve(capacity);
        width = store.width;
        ranks = store.ranks;
        positions = store.positions;
        slotAt = store.slotAt;
        meta = store.meta;
        tokens = store.tokens;
        acts = store.acts;
    }

    private boolean accepts(double rank, long position) {
        if (size < capacity) {
            return true;
        }
        double root = ranks[base];
        return capacity > 0 && (rank > root || (rank == root && position < positions[base]));
    }

    boolean full() {
        return size == capacity;
    }

    /** Rank of the worst kept example (the root). */
    double worstRank() {
        return ranks[base];
    }

    /**
     * Offers an example of this rank and position; returns the storage slot (an index into the chunk's per-slot
     * arrays) to fill with its data ({@link #pend}), or −1 when it is not kept. The slot is the one freed by the
     * example it pushed out.
     */
    int offer(double rank, long position) {
        if (!accepts(rank, position)) {
            return -1;
        }
        int i;
        if (size < capacity) {
            i = size;
            slotAt[base + i] = size++;
        } else {
            i = 0;
        }
        ranks[base + i] = rank;
        positions[base + i] = position;
        int slot = base + slotAt[base + i];
        if (i == 0) {
            siftDown();
        } else {
            siftUp(i);
        }
        return slot;
    }

    /**
     * Slot's example: activation a, its window {@code [lo, hi)} of sequence {@code seq} of the current batch, the
     * window's first activation at index {@code col} of the batch's array, the example's token at index t.
     */
    void pend(int slot, float a, int seq, int lo, int hi, int col, int t) {
        int[] m = meta;
        int at = slot * Store.META;
        m[at + Store.ACTIVATION] = Float.floatToRawIntBits(a);
        m[at + Store.LENGTH] = hi - lo;
        m[at + Store.CENTER] = t - lo;
        m[at + Store.PEND_SEQ] = seq;
        m[at + Store.PEND_FROM] = lo;
        m[at + Store.PEND_COL] = col;
    }

    /** Copies the pending windows out of the batch: sequence i's tokens are seqTokens[i], the activations batchActs. */
    void materialise(int[][] seqTokens, float[] batchActs) {
        int[] m = meta;
        for (int slot = base; slot < base + size; slot++) {
            int at = slot * Store.META, q = m[at + Store.PEND_SEQ], len = m[at + Store.LENGTH];
            if (q >= 0) {
                System.arraycopy(seqTokens[q], m[at + Store.PEND_FROM], tokens, slot * width, len);
                System.arraycopy(batchActs, m[at + Store.PEND_COL], acts, slot * width, len);
                m[at + Store.PEND_SEQ] = -1;
            }
        }
    }

    /** The kept examples, best first. */
    List<Example> sorted() {
        Example[] out = new Example[size];
        for (int i = 0; i < size; i++) {
            int slot = base + slotAt[base + i];
            int mt = slot * Store.META;
            if (meta[mt + Store.PEND_SEQ] >= 0) {
                throw new IllegalStateException("a window was never materialised");
            }
            int at = slot * width, len = meta[mt + Store.LENGTH];
            out[i] = new Example(positions[base + i], Float.intBitsToFloat(meta[mt + Store.ACTIVATION]),
                    ranks[base + i], Arrays.copyOfRange(tokens, at, at + len), Arrays.copyOfRange(acts, at, at + len),
                    meta[mt + Store.CENTER]);
        }
        Arrays.sort(out, Example::order);
        return new ArrayList<>(Arrays.asList(out));
    }

    /** Whether entry i (absolute) holds a worse example than entry j (lower rank; equal ranks: the later position). */
    private static boolean worse(double[] r, long[] p, int i, int j) {
        return r[j] > r[i] || (r[j] == r[i] && p[j] < p[i]);
    }

    // the sifts read the chunk's arrays once (locals) and index them absolutely (base + entry)
    private void siftUp(int i) {
        double[] r = ranks;
        long[] p = positions;
        int[] sa = slotAt;
        i += base;
        while (i > base) {
            int parent = base + (i - base - 1) / 2;
            if (!worse(r, p, i, parent)) {
                return;
            }
            swap(r, p, sa, i, parent);
            i = parent;
        }
    }

    /** Sifts the root down. */
    private void siftDown() {
        double[] r = ranks;
        long[] p = positions;
        int[] sa = slotAt;
        int end = base + size;
        int i = base;
        while (true) {
            int l = 2 * i - base + 1, rt = l + 1, w = i;
            if (l < end && worse(r, p, l, w)) {
                w = l;
            }
            if (rt < end && worse(r, p, rt, w)) {
                w = rt;
            }
            if (w == i) {
                return;
            }
            swap(r, p, sa, i, w);
            i = w;
        }
    }

    private static void swap(double[] r, long[] p, int[] sa, int i, int j) {
        int s = sa[i];
        sa[i] = sa[j];
        sa[j] = s;
        double x = r[i];
        r[i] = r[j];
        r[j] = x;
        long y = p[i];
        p[i] = p[j];
        p[j] = y;
    }
}
