package org.interplab.core.task;

import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TaskSpec;

/**
 * Seed 001 §1's n-digit addition. A sequence is a's n digits, b's n digits and the sum's n+1 digits, each least
 * significant digit first, exactly like the seed's data points ("4321008765002196000" is 1234 + 5678 = 6912 for
 * n = 6): n_ctx = 3n+1 tokens. The vocabulary is the original notebook's "0123456789=^" (12 inputs, the 10 digits
 * as outputs); '=' and '^' do not occur in this layout. The model predicts the next token, and the loss is taken
 * on the n+1 answer digits only: the logits at positions 2n−1 … 3n−1 predict the tokens at 2n … 3n. Operand pairs
 * are uniform, distinct, and the test pairs are disjoint from the training pairs.
 */
public final class AdditionTask extends DrawnSequenceTask {
    public static final String VOCAB = "0123456789=^";

    private final int nDigits;

    public AdditionTask(TaskSpec spec, long seed) {
        super(TaskShapes.of(spec));
        nDigits = spec.nDigits() == null ? 6 : spec.nDigits();
        int nTrain = spec.nTrain() == null ? 25_000 : spec.nTrain();
        int nTest = spec.nTest() == null ? 2_000 : spec.nTest();
        double pairs = Math.pow(10, 2 * nDigits);
        if (nTrain + nTest > 0.9 * pairs) {
            throw new IllegalArgumentException(String.format(
                    "%d-digit addition has %.0f operand pairs; nTrain + nTest must stay below 90%%", nDigits, pairs));
        }
        long limit = (long) Math.pow(10, nDigits);
        draw(new Rng(Rng.derive(seed, "addition-data")), nTrain, nTest, rng -> example(rng, limit));
    }

    public int nDigits() {
        return nDigits;
    }

    /** The first position whose logits predict an answer digit (2n−1); n+1 positions follow. */
    public int firstAnswerPosition() {
        return 2 * nDigits - 1;
    }

    /** The 3n+1 tokens of a + b, LSB first. */
    public static int[] encode(long a, long b, int nDigits) {
        int[] seq = new int[3 * nDigits + 1];
        long sum = a + b;
        for (int i = 0; i < nDigits; i++) {
            seq[i] = (int) (a % 10);
            seq[nDigits + i] = (int) (b % 10);
            a /= 10;
            b /= 10;
        }
        for (int i = 0; i <= nDigits; i++) {
            seq[2 * nDigits + i] = (int) (sum % 10);
            sum /= 10;
        }
        return seq;
    }

    private Example example(Rng rng, long limit) {
        long a = Math.floorMod(rng.nextLong(), limit);
        long b = Math.floorMod(rng.nextLong(), limit);
        int[] seq = encode(a, b, nDigits);
        int[] y = noLoss(seq.length);
        for (int p = firstAnswerPosition(); p < seq.length - 1; p++) {
            y[p] = seq[p + 1];
        }
        return new Example(a * limit + b, seq, y);
    }

    @Override
    public boolean reportsPositionAccuracy() {
        return true;
    }
}
