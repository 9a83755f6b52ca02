package org.interplab.core.task;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Function;
import org.interplab.contracts.spec.TaskShapes;

/**
 * A sequence task whose training and test sets are distinct examples drawn from a seeded generator, the test set
 * disjoint from the training set (so test accuracy is measured on held-out sequences).
 */
abstract class DrawnSequenceTask implements SequenceTask {
    private final TaskShapes.Shape shape;
    private TokenBatch train;
    private TokenBatch test;

    /** One drawn example; {@code key} identifies it, so a repeat is drawn again. */
    protected record Example(Object key, int[] tokens, int[] targets) {
    }

    protected DrawnSequenceTask(TaskShapes.Shape shape) {
        this.shape = shape;
    }

    /** Draws nTrain, then nTest further examples, all distinct. */
    protected final void draw(Rng rng, int nTrain, int nTest, Function<Rng, Example> example) {
        Set<Object> seen = new HashSet<>();
        train = distinct(rng, nTrain, seen, example);
        test = distinct(rng, nTest, seen, example);
    }

    private static TokenBatch distinct(Rng rng, int n, Set<Object> seen, Function<Rng, Example> example) {
        int[][] tokens = new int[n][];
        int[][] targets = new int[n][];
        int count = 0;
        // a generator with fewer distinct examples than asked for would draw for ever: give up with the reason
        long attempts = 0, maxAttempts = 100L * n + 1_000_000L;
        while (count < n) {
            if (++attempts > maxAttempts) {
                throw new IllegalArgumentException("could draw only " + count + " distinct examples of the " + n
                        + " asked for after " + maxAttempts + " attempts; ask for fewer (task.nTrain, task.nTest)");
            }
            if (Thread.currentThread().isInterrupted()) {
                throw new IllegalStateException("interrupted while drawing the task's examples");
            }
            Example e = example.apply(rng);
            if (seen.add(e.key())) {
                tokens[count] = e.tokens();
                targets[count] = e.targets();
                count++;
            }
        }
        return new TokenBatch(tokens, targets);
    }

    /** Targets of a sequence with no loss anywhere yet. */
    protected static int[] noLoss(int length) {
        int[] y = new int[length];
        Arrays.fill(y, TokenBatch.NO_LOSS);
        return y;
    }

    @Override
    public TaskShapes.Shape shape() {
        return shape;
    }

    @Override
    public TokenBatch train() {
        return train;
    }

    @Override
    public TokenBatch test() {
        return test;
    }
}
