package org.interplab.core.task;

import org.interplab.contracts.spec.TaskShapes;
import org.interplab.contracts.spec.TaskSpec;

/**
 * Seeds 000/002's OV-coherent superposition task. Input tokens: 0 = readoff, 1–4 signal, 5–11 noise. A sequence
 * of seqLen tokens ends in the readoff; of the seqLen−1 positions before it, two (chosen at random) hold signal
 * tokens drawn independently and uniformly from 1–4 (so they may be equal: seed 002 notes that {a,a} pairs occur
 * half as often as {a,b}), the rest uniform noise. The label at the readoff is the unordered pair's index in
 * {1,1},{1,2},{1,3},{1,4},{2,2},…,{4,4} (10 outputs). Train and test sets are distinct sequences, disjoint from
 * each other, so test accuracy is measured on held-out sequences.
 */
public final class OvCoherentTask extends DrawnSequenceTask {
    public static final int READOFF = 0;
    public static final int FIRST_NOISE = 5;
    public static final int N_INPUT = 12;

    public OvCoherentTask(TaskSpec spec, long seed) {
        super(TaskShapes.of(spec));
        int seqLen = spec.seqLen() == null ? 5 : spec.seqLen();
        if (seqLen < 3) {
            throw new IllegalArgumentException("ov-coherent needs seqLen ≥ 3 (two signals and the readoff)");
        }
        int nTrain = spec.nTrain() == null ? 3000 : spec.nTrain();
        int nTest = spec.nTest() == null ? 1000 : spec.nTest();
        double distinct = distinctSequences(seqLen);
        if (nTrain + nTest > 0.9 * distinct) {
            throw new IllegalArgumentException(String.format(
                    "ov-coherent with seqLen %d has only %.0f distinct sequences; nTrain + nTest must stay below 90%%",
                    seqLen, distinct));
        }
        draw(new Rng(Rng.derive(seed, "ov-coherent-data")), nTrain, nTest, rng -> example(rng, seqLen));
    }

    /** Index of the unordered pair {a, b} (signals 1–4) among the 10 outputs. */
    public static int pairIndex(int a, int b) {
        int lo = Math.min(a, b), hi = Math.max(a, b);
        int index = 0;
        for (int x = 1; x < lo; x++) {
            index += 5 - x;
        }
        return index + (hi - lo);
    }

    static double distinctSequences(int seqLen) {
        int free = seqLen - 1;
        return free * (free - 1) / 2.0 * 16 * Math.pow(N_INPUT - FIRST_NOISE, free - 2);
    }

    private static Example example(Rng rng, int seqLen) {
        int[] seq = new int[seqLen];
        for (int p = 0; p < seqLen - 1; p++) {
            seq[p] = FIRST_NOISE + rng.nextInt(N_INPUT - FIRST_NOISE);
        }
        int p1 = rng.nextInt(seqLen - 1);
        int p2 = rng.nextInt(seqLen - 2);
        if (p2 >= p1) {
            p2++;
        }
        int a = 1 + rng.nextInt(4);
        int b = 1 + rng.nextInt(4);
        seq[p1] = a;
        seq[p2] = b;
        seq[seqLen - 1] = READOFF;
        int[] y = noLoss(seqLen);
        y[seqLen - 1] = pairIndex(a, b);
        return new Example(java.util.Arrays.toString(seq), seq, y);
    }
}
