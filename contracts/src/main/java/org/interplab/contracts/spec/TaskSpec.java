package org.interplab.contracts.spec;

import java.util.List;

/**
 * The data a model is trained on. {@code kind} selects the task; the other fields apply to some kinds only.
 *
 * <ul>
 *   <li>{@code xor}: seed 003's four strings ACQT, ADQF, BCQF, BDQT; predict the 4th token from the first three.</li>
 *   <li>{@code ov-coherent}: seeds 000/002; 12 input tokens (0 readoff, 1–4 signal, 5–11 noise), 10 outputs =
 *       unordered pairs of signals; {@code seqLen} tokens ending in the readoff.</li>
 *   <li>{@code addition}: seed 001 §1; {@code nDigits}-digit addition, operands LSB first.</li>
 *   <li>{@code tms}: Toy Models of Superposition features: {@code nFeatures} features, feature j is
 *       uniform [0, 1] with probability p else 0, importance_j = {@code importanceDecay}^j (default 1), or
 *       {@code importance} when given (a {@link FeatureProfile}: a list, {@code {"decay": r}} or a from/to ramp).
 *       p is {@code featureProbabilities[i]} for instance i when that list is given (one entry per model instance,
 *       the paper's sparsity sweep), else {@code featureProbability} for every instance; or, instead of both,
 *       {@code featureProbabilityPerFeature} (a {@link FeatureProfile}) gives feature j the probability p_j in every
 *       instance (the paper's non-uniform sparsity within one model).</li>
 *   <li>{@code cis}: computation in superposition, {@code function} one of abs (|x_k| per feature), square
 *       (x_k² per feature), max-abs (max_k |x_k|, one output), and / or (inputs are bits b_k ∈ {0, 1}; one output,
 *       1 iff all / any bit is 1). Continuous inputs are uniform [−1, 1] with probability p else 0 (default p = 1,
 *       dense); bits are 1 with probability p (default 0.5). p per instance as for tms.</li>
 *   <li>{@code lm}: language modelling on a tokenized corpus (GPT-2 BPE); {@code corpus} is the corpus id
 *       (default {@code builtin-stories}, the embedded generated corpus); batches are random windows of the model's
 *       n_ctx tokens from the corpus's train split, the validation loss is on its validation split.</li>
 * </ul>
 */
public record TaskSpec(String kind, Integer seqLen, Integer nDigits, Integer nTrain, Integer nTest,
                       Integer nFeatures, Double featureProbability, Double importanceDecay, String function,
                       List<Double> featureProbabilities, String corpus, FeatureProfile importance,
                       FeatureProfile featureProbabilityPerFeature) {

    /** The fields before the per-feature profiles existed; those stay absent. */
    public TaskSpec(String kind, Integer seqLen, Integer nDigits, Integer nTrain, Integer nTest, Integer nFeatures,
                    Double featureProbability, Double importanceDecay, String function,
                    List<Double> featureProbabilities, String corpus) {
        this(kind, seqLen, nDigits, nTrain, nTest, nFeatures, featureProbability, importanceDecay, function,
                featureProbabilities, corpus, null, null);
    }

    /** The fields before {@code corpus} existed; it stays absent. */
    public TaskSpec(String kind, Integer seqLen, Integer nDigits, Integer nTrain, Integer nTest, Integer nFeatures,
                    Double featureProbability, Double importanceDecay, String function,
                    List<Double> featureProbabilities) {
        this(kind, seqLen, nDigits, nTrain, nTest, nFeatures, featureProbability, importanceDecay, function,
                featureProbabilities, null, null, null);
    }

    /** The fields before {@code featureProbabilities} existed; that list stays absent. */
    public TaskSpec(String kind, Integer seqLen, Integer nDigits, Integer nTrain, Integer nTest, Integer nFeatures,
                    Double featureProbability, Double importanceDecay, String function) {
        this(kind, seqLen, nDigits, nTrain, nTest, nFeatures, featureProbability, importanceDecay, function,
                null, null, null, null);
    }

    public static TaskSpec of(String kind) {
        return new TaskSpec(kind, null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /**
     * The feature probability of model instance {@code instance}: {@code featureProbabilities[instance]} when the
     * list is given, else {@code featureProbability}, else {@code fallback}.
     */
    public double featureProbabilityOf(int instance, double fallback) {
        if (featureProbabilities != null && instance < featureProbabilities.size()
                && featureProbabilities.get(instance) != null) {
            return featureProbabilities.get(instance);
        }
        return featureProbability != null ? featureProbability : fallback;
    }

    /**
     * The importance of each of the {@code nFeatures} features: {@code importance} resolved when given, else
     * {@code importanceDecay}^j (default decay 1: every feature weighs 1).
     */
    public double[] importanceOf(int nFeatures) {
        if (importance != null) {
            return importance.resolve(nFeatures);
        }
        double decay = importanceDecay == null ? 1.0 : importanceDecay;
        double[] v = new double[nFeatures];
        for (int j = 0; j < nFeatures; j++) {
            v[j] = Math.pow(decay, j);
        }
        return v;
    }

    /**
     * The feature probability of feature j in instance i, as [nInstances][nFeatures]:
     * {@code featureProbabilityPerFeature} resolved (the same in every instance) when given, else
     * {@link #featureProbabilityOf}(i, fallback) for every feature of instance i.
     */
    public double[][] featureProbabilityMatrix(int nInstances, int nFeatures, double fallback) {
        double[][] p = new double[nInstances][];
        double[] perFeature = featureProbabilityPerFeature == null ? null
                : featureProbabilityPerFeature.resolve(nFeatures);
        for (int i = 0; i < nInstances; i++) {
            if (perFeature != null) {
                p[i] = perFeature.clone();
            } else {
                p[i] = new double[nFeatures];
                java.util.Arrays.fill(p[i], featureProbabilityOf(i, fallback));
            }
        }
        return p;
    }
}
