package org.interplab.core.neuroscope;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The best {@code capacity} examples seen, as a min-heap whose root is the worst kept one. A candidate is first
 * compared with the root ({@link #accepts}, O(1)); only one that beats it is built and sifted in (O(log k)).
 * Order: higher rank first, equal ranks to the earlier position — a total order, so the result is exact and does
 * not depend on the order in which examples arrive (which is what makes shard merges exact).
 */
final class BoundedHeap {
    // ranks and positions in flat arrays beside the examples: comparisons and sifts read no Example object (a
    // neuron's dozens of heaps would otherwise cost a cache miss per compare)
    // an item is an Example, or until LayerScan materialises it at the end of its batch, a cheaper stand-in (most
    // candidates are pushed out again within the batch they entered, so their windows are never copied)
    private final Object[] heap;
    private final double[] ranks;
    private final long[] positions;
    private int size;
    /** Whether LayerScan has this heap on its list of heaps with stand-ins to materialise. */
    boolean listed;

    BoundedHeap(int capacity) {
        heap = new Object[capacity];
        ranks = new double[capacity];
        positions = new long[capacity];
    }

    boolean accepts(double rank, long position) {
        if (size < heap.length) {
            return heap.length > 0;
        }
        return rank > ranks[0] || (rank == ranks[0] && position < positions[0]);
    }

    boolean full() {
        return size == heap.length;
    }

    /** Rank of the worst kept example (the root). */
    double worstRank() {
        return ranks[0];
    }

    /** Offers an item (an Example or a stand-in for one) of this rank and position. */
    void offer(double rank, long position, Object item) {
        if (!accepts(rank, position)) {
            return;
        }
        if (size < heap.length) {
            int i = size++;
            set(i, rank, position, item);
            siftUp(i);
        } else {
            set(0, rank, position, item);
            siftDown(0);
        }
    }

    /** Replaces every item that is not an Example yet by {@code f} of it. */
    void materialise(UnaryOperator<Object> f) {
        for (int i = 0; i < size; i++) {
            if (!(heap[i] instanceof Example)) {
                heap[i] = f.apply(heap[i]);
            }
        }
    }

    /** The kept examples, best first. */
    List<Example> sorted() {
        Example[] copy = new Example[size];
        for (int i = 0; i < size; i++) {
            if (!(heap[i] instanceof Example e)) {
                throw new IllegalStateException("an item was never materialised");
            }
            copy[i] = e;
        }
        Arrays.sort(copy, Example::order);
        return new ArrayList<>(Arrays.asList(copy));
    }

    private void set(int i, double rank, long position, Object item) {
        heap[i] = item;
        ranks[i] = rank;
        positions[i] = position;
    }

    /** Whether slot i holds a worse example than slot j (lower rank; equal ranks: the later position). */
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
        Object t = heap[i];
        heap[i] = heap[j];
        heap[j] = t;
        double r = ranks[i];
        ranks[i] = ranks[j];
        ranks[j] = r;
        long p = positions[i];
        positions[i] = positions[j];
        positions[j] = p;
    }
}
