package org.interplab.contracts.spec;

/**
 * The data a model is trained on. {@code kind} selects the task; the other fields apply to some kinds only.
 *
 * <ul>
 *   <li>{@code xor}: seed 003's four strings ACQT, ADQF, BCQF, BDQT; predict the 4th token from the first three.</li>
 *   <li>{@code ov-coherent}: seeds 000/002; 12 input tokens (0 readoff, 1–4 signal, 5–11 noise), 10 outputs =
 *       unordered pairs of signals; {@code seqLen} tokens ending in the readoff.</li>
 *   <li>{@code addition}: seed 001 §1; {@code nDigits}-digit addition, operands LSB first.</li>
 *   <li>{@code tms}: Toy Models of Superposition features, {@code nFeatures}, {@code featureProbability},
 *       {@code importanceDecay}.</li>
 *   <li>{@code cis}: computation in superposition, {@code function} one of abs, and, or, max-abs, square.</li>
 * </ul>
 */
public record TaskSpec(String kind, Integer seqLen, Integer nDigits, Integer nTrain, Integer nTest,
                       Integer nFeatures, Double featureProbability, Double importanceDecay, String function) {

    public static TaskSpec of(String kind) {
        return new TaskSpec(kind, null, null, null, null, null, null, null, null);
    }
}
