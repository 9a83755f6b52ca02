package org.interplab.core.neuroscope;

/**
 * One stored example of a neuron: the token at {@code position} (its index in the scanned token stream) with the
 * neuron's activation there, and its context window from the same story: {@code tokens[i]} with the neuron's
 * activation {@code acts[i]}; {@code center} is the index of the example's own token in the window.
 * {@code rank} orders examples inside one heap (the activation for top-k, minus the random key for samples).
 */
public record Example(long position, float activation, double rank, int[] tokens, float[] acts, int center) {
    static int order(Example a, Example b) {
        int c = Double.compare(b.rank, a.rank);
        return c != 0 ? c : Long.compare(a.position, b.position);
    }
}
