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
 * The examples are stored flat, in arrays allocated once with the heap: per storage slot its activation, its window
 * of tokens and activations ({@code width} entries at {@code slot · width}), the window's length and the example
 * token's index in it. The heap orders slot numbers ({@code slotAt}) beside their ranks and positions, so sifts move
 * no windows and a scan allocates nothing per example (a scan keeps ~10⁵–10⁶ examples; as objects they were most
 * of the garbage collector's work). {@link Example} objects are built only by {@link #sorted}.
 * <p>
 * A slot's window may be pending: {@link LayerScan} records where it is in the current batch ({@link #pend}) and
 * copies it at the end of the batch ({@link #materialise}), since most candidates are pushed out again within the
 * batch they entered.
 */
final class BoundedHeap {
    private final int capacity;
    private final int width;
    // by heap index (the root, index 0, is the worst kept)
    private final double[] ranks;
    private final long[] positions;
    private final int[] slotAt;
    // by storage slot
    private final float[] activation;
    private final int[] length;
    private final int[] center;
    private final int[] tokens;
    private final float[] acts;
    private final int[] pendSeq;   // ≥ 0: the window is still in sequence pendSeq of the current batch
    private final int[] pendFrom;  // …its first token index there
    private final int[] pendCol;   // …and that token's activation's index in the batch's array
    private int size;
    /** Whether LayerScan has this heap on its list of heaps with pending windows. */
    boolean listed;

    BoundedHeap(int capacity, int width) {
        this.capacity = capacity;
        this.width = width;
        ranks = new double[capacity];
        positions = new long[capacity];
        slotAt = new int[capacity];
        activation = new float[capacity];
        length = new int[capacity];
        center = new int[capacity];
        tokens = new int[capacity * width];
        acts = new float[capacity * width];
        pendSeq = new int[capacity];
        pendFrom = new int[capacity];
        pendCol = new int[capacity];
        Arrays.fill(pendSeq, -1);
    }

    boolean accepts(double rank, long position) {
        if (size < capacity) {
            return capacity > 0;
        }
        return rank > ranks[0] || (rank == ranks[0] && position < positions[0]);
    }

    boolean full() {
        return size == capacity;
    }

    /** Rank of the worst kept example (the root). */
    double worstRank() {
        return ranks[0];
    }

    /**
     * Offers an example of this rank and position; returns the storage slot to fill with its data ({@link #pend}), or −1 when it is not kept. The slot is the one freed by the example it pushed out.
     */
    int offer(double rank, long position) {
        if (!accepts(rank, position)) {
            return -1;
        }
        int i;
        if (size < capacity) {
            i = size;
            slotAt[i] = size++;
        } else {
            i = 0;
        }
        ranks[i] = rank;
        positions[i] = position;
        int slot = slotAt[i];
        if (i == 0) {
            siftDown(0);
        } else {
            siftUp(i);
        }
        return slot;
    }

    /**
     * Slot's example: activation a, its window {@code [lo, hi)} of sequence {@code seq} of the current batch, the
     * window's first activation at index {@code col} of that sequence's array, the example's token at index t.
     */
    void pend(int slot, float a, int seq, int lo, int hi, int col, int t) {
        activation[slot] = a;
        length[slot] = hi - lo;
        center[slot] = t - lo;
        pendSeq[slot] = seq;
        pendFrom[slot] = lo;
        pendCol[slot] = col;
    }

    /** Copies the pending windows out of the batch: sequence i's tokens are seqTokens[i], the activations batchActs. */
    void materialise(int[][] seqTokens, float[] batchActs) {
        for (int slot = 0; slot < size; slot++) {
            int q = pendSeq[slot];
            if (q >= 0) {
                System.arraycopy(seqTokens[q], pendFrom[slot], tokens, slot * width, length[slot]);
                System.arraycopy(batchActs, pendCol[slot], acts, slot * width, length[slot]);
                pendSeq[slot] = -1;
            }
        }
    }

    /** The kept examples, best first. */
    List<Example> sorted() {
        Example[] out = new Example[size];
        for (int i = 0; i < size; i++) {
            int slot = slotAt[i];
            if (pendSeq[slot] >= 0) {
                throw new IllegalStateException("a window was never materialised");
            }
            int at = slot * width, len = length[slot];
            out[i] = new Example(positions[i], activation[slot], ranks[i], Arrays.copyOfRange(tokens, at, at + len),
                    Arrays.copyOfRange(acts, at, at + len), center[slot]);
        }
        Arrays.sort(out, Example::order);
        return new ArrayList<>(Arrays.asList(out));
    }

    /** Whether heap index i holds a worse example than j (lower rank; equal ranks: the later position). */
    private boolean worse(int i, int j) {
        return ranks[j] > ranks[i] || (ranks[j] == ranks[i] && positions[j] < positions[i]);
    }

    private void siftUp(int i) {
        while (i > 0) {
            int parent = (i - 1) / 2;
            if (!worse(i, parent)) {
                return;
            }
            swap(i, parent);
            i = parent;
        }
    }

    private void siftDown(int i) {
        while (true) {
            int l = 2 * i + 1, r = l + 1, w = i;
            if (l < size && worse(l, w)) {
                w = l;
            }
            if (r < size && worse(r, w)) {
                w = r;
            }
            if (w == i) {
                return;
            }
            swap(i, w);
            i = w;
        }
    }

    private void swap(int i, int j) {
        int s = slotAt[i];
        slotAt[i] = slotAt[j];
        slotAt[j] = s;
        double r = ranks[i];
        ranks[i] = ranks[j];
        ranks[j] = r;
        long p = positions[i];
        positions[i] = positions[j];
        positions[j] = p;
    }
}
