package org.interplab.core.neuroscope;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.interplab.core.task.Rng;
import org.junit.jupiter.api.Test;

/**
 * Heaps sharing one store against a brute force (every offer kept, sorted): the kept examples, their order, and their
 * windows copied out of batches. The chunks are small (4 slots, then 8 at most): heaps fill several chunks, and a
 * heap larger than a chunk gets one of its own.
 */
class BoundedHeapTest {
    record Offer(double rank, long position, float activation, int[] tokens, float[] acts, int center) {
    }

    @Test
    void heapsAcrossChunksKeepExactlyTheBestOffers() {
        int width = 5;
        BoundedHeap.Store store = new BoundedHeap.Store(width, 4, 8 * width); // chunks of 4, 4, 8, 8, … slots
        int[] capacities = {1, 4, 20, 3, 7, 6, 2, 9, 5, 4, 4, 11};
        List<BoundedHeap> heaps = new ArrayList<>();
        List<List<Offer>> offered = new ArrayList<>();
        for (int c : capacities) {
            heaps.add(new BoundedHeap(store, c));
            offered.add(new ArrayList<>());
        }
        Rng rng = new Rng(3);
        long position = 0;
        for (int batch = 0; batch < 6; batch++) {
            int len = 300;
            int[] tokens = new int[len];
            float[] acts = new float[len];
            for (int i = 0; i < len; i++) {
                tokens[i] = rng.nextInt(1000);
                acts[i] = rng.nextInt(1000) / 10f;
            }
            for (int k = 0; k < 400; k++) {
                int h = rng.nextInt(heaps.size());
                int t = rng.nextInt(len), lo = Math.max(0, t - 2), hi = Math.min(len, t + 3);
                double rank = rng.nextInt(50); // few distinct ranks: ties go to the earlier position
                long pos = position + t;
                int slot = heaps.get(h).offer(rank, pos);
                if (slot >= 0) {
                    heaps.get(h).pend(slot, acts[t], 0, lo, hi, lo, t);
                }
                offered.get(h).add(new Offer(rank, pos, acts[t], Arrays.copyOfRange(tokens, lo, hi),
                        Arrays.copyOfRange(acts, lo, hi), t - lo));
            }
            for (BoundedHeap h : heaps) {
                h.materialise(new int[][] {tokens}, acts);
            }
            position += len;
        }
        for (int i = 0; i < heaps.size(); i++) {
            List<Offer> want = new ArrayList<>(offered.get(i));
            want.sort(Comparator.comparingDouble((Offer o) -> -o.rank).thenComparingLong(Offer::position));
            List<Example> got = heaps.get(i).sorted();
            assertEquals(capacities[i], got.size(), "heap " + i);
            assertTrue(want.size() > capacities[i], "the heap was offered more than it keeps");
            for (int j = 0; j < got.size(); j++) {
                Offer o = want.get(j);
                Example e = got.get(j);
                assertEquals(o.position, e.position(), "heap " + i + " entry " + j);
                assertEquals(o.rank, e.rank());
                assertEquals(o.activation, e.activation());
                assertEquals(o.center, e.center());
                assertArrayEquals(o.tokens, e.tokens());
                assertArrayEquals(o.acts, e.acts());
            }
        }
    }
}
