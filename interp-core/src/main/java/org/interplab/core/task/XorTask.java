package org.interplab.core.task;

import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TaskSpec;

/**
 * Seed 003's skip-trigram counterexample: the strings ACQT, ADQF, BCQF, BDQT. Input tokens A B C D Q are ids 0..4,
 * outputs T F are ids 0, 1; the label is read off at position 2 (the Q): T iff (first is A) xor (second is D).
 * Train set = test set = the four strings.
 */
public final class XorTask implements SequenceTask {
    public static final int A = 0, B = 1, C = 2, D = 3, Q = 4;
    public static final int T = 0, F = 1;
    public static final int READOFF = 2;

    private final TokenBatch all;

    public XorTask() {
        int[][] tokens = new int[4][];
        int[][] targets = new int[4][];
        int i = 0;
        for (int first : new int[] {A, B}) {
            for (int second : new int[] {C, D}) {
                boolean label = (first == A) ^ (second == D);
                tokens[i] = new int[] {first, second, Q};
                targets[i] = new int[] {TokenBatch.NO_LOSS, TokenBatch.NO_LOSS, label ? T : F};
                i++;
            }
        }
        all = new TokenBatch(tokens, targets);
    }

    @Override
    public TaskShapes.Shape shape() {
        return TaskShapes.of(TaskSpec.of("xor"));
    }

    @Override
    public TokenBatch train() {
        return all;
    }

    @Override
    public TokenBatch test() {
        return all;
    }
}
