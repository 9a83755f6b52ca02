package org.interplab.core.task;

/**
 * Token sequences and their labels. {@code tokens[i]} is one input sequence of length n_ctx; {@code targets[i][p]}
 * is the output token the model should predict at position p, or {@link #NO_LOSS} where no loss is taken.
 */
public record TokenBatch(int[][] tokens, int[][] targets) {
    public static final int NO_LOSS = -1;

    public int size() {
        return tokens.length;
    }

    public int nCtx() {
        return tokens.length == 0 ? 0 : tokens[0].length;
    }

    /** The sequences at the given indices, in that order (shares the row arrays). */
    public TokenBatch rows(int[] indices, int from, int to) {
        int[][] t = new int[to - from][];
        int[][] y = new int[to - from][];
        for (int i = from; i < to; i++) {
            t[i - from] = tokens[indices[i]];
            y[i - from] = targets[indices[i]];
        }
        return new TokenBatch(t, y);
    }
}
