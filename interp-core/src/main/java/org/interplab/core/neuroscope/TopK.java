package org.interplab.core.neuroscope;

import java.util.PriorityQueue;

/** Indices of the k largest (or smallest) entries of a vector, best first, ties to the lower index. O(n log k). */
public final class TopK {
    private TopK() {
    }

    public static int[] indices(float[] v, int k) {
        k = Math.min(k, v.length);
        // root = the worst kept: smallest value, ties the higher index
        PriorityQueue<Integer> heap = new PriorityQueue<>(k + 1,
                (a, b) -> v[a] != v[b] ? Float.compare(v[a], v[b]) : Integer.compare(b, a));
        for (int i = 0; i < v.length; i++) {
            if (heap.size() < k) {
                heap.add(i);
            } else if (k > 0 && v[i] > v[heap.peek()]) {
                heap.poll();
                heap.add(i);
            }
        }
        int[] out = new int[heap.size()];
        for (int i = out.length - 1; i >= 0; i--) {
            out[i] = heap.poll();
        }
        return out;
    }

    static int[] lowest(float[] v, int k) {
        float[] neg = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            neg[i] = -v[i];
        }
        return indices(neg, k);
    }
}
