package org.interplab.core.circuits;

import java.util.List;
import java.util.Random;

/**
 * How axis-aligned a TMS model's feature directions are (issue 11 §3; seed 001 §4's dropout claim "rotation
 * invariant → anti-aligned → basis-aligned"). For W [features, hidden] of one instance:
 * A = Σ_i max_k |W_ik| / Σ_i ‖W_i‖, the norm-weighted mean over features of a_i = max_k |W_ik| / ‖W_i‖ (features
 * that are not represented weigh nothing). A = 1 when every feature lies on a hidden axis; its floor 1/√m is reached
 * when every feature lies on a diagonal (anti-aligned); a rotation-invariant solution sits at the random baseline
 * E[max_k |u_k|] for u uniform on the unit sphere of R^m (m = 1: 1; m = 2: 2√2/π).
 */
public final class BasisAlignment {
    /** Unit vectors drawn (seeded) to estimate the random baseline when m &gt; 2. */
    public static final int BASELINE_SAMPLES = 200_000;

    private BasisAlignment() {
    }

    /** A for one instance's W [features][hidden]; 0 when W = 0. */
    public static double alignment(double[][] w) {
        double maxSum = 0, normSum = 0;
        for (double[] row : w) {
            double max = 0, norm2 = 0;
            for (double v : row) {
                max = Math.max(max, Math.abs(v));
                norm2 += v * v;
            }
            maxSum += max;
            normSum += Math.sqrt(norm2);
        }
        return normSum > 0 ? maxSum / normSum : 0;
    }

    /** E[max_k |u_k|] for u uniform on the unit sphere of R^m: exact for m ≤ 2, else a seeded estimate. */
    public static double randomBaseline(int m) {
        if (m <= 1) {
            return 1;
        }
        if (m == 2) {
            return 2 * Math.sqrt(2) / Math.PI;
        }
        Random random = new Random(m);
        double sum = 0;
        double[] u = new double[m];
        for (int s = 0; s < BASELINE_SAMPLES; s++) {
            double norm2 = 0, max = 0;
            for (int k = 0; k < m; k++) {
                u[k] = random.nextGaussian();
                norm2 += u[k] * u[k];
                max = Math.max(max, Math.abs(u[k]));
            }
            sum += max / Math.sqrt(norm2);
        }
        return sum / BASELINE_SAMPLES;
    }

    /**
     * {@code basis_alignment}: per instance A, the random baseline, the anti-aligned floor 1/√m and the normalised
     * score (A − baseline) / (1 − baseline): 1 basis-aligned, 0 as random, negative anti-aligned.
     */
    public static CircuitTable table(double[][][] w, int nHidden) {
        double baseline = randomBaseline(nHidden), floor = 1 / Math.sqrt(Math.max(1, nHidden));
        double[][] values = new double[w.length][];
        for (int i = 0; i < w.length; i++) {
            double a = alignment(w[i]);
            double normalised = baseline < 1 ? (a - baseline) / (1 - baseline) : 0;
            values[i] = new double[] {a, baseline, floor, normalised};
        }
        return new CircuitTable("basis_alignment", "basis_alignment", "Basis alignment of the features, per instance",
                "A = Σ_i max_k |W_ik| / Σ_i ‖W_i‖ (the norm-weighted mean over features of the largest hidden "
                        + "coordinate of the unit direction Ŵ_i): 1 when every feature sits on a hidden axis, 1/√m = "
                        + String.format(java.util.Locale.ROOT, "%.4f", floor) + " when every feature sits on a "
                        + "diagonal (anti-aligned), and E[max_k |u_k|] = " + String.format(java.util.Locale.ROOT,
                        "%.4f", baseline) + " for random directions in m = " + nHidden + " dimensions"
                        + (nHidden > 2 ? " (estimated from " + BASELINE_SAMPLES + " seeded draws)" : " (exact)")
                        + ". Normalised = (A − baseline) / (1 − baseline): 1 aligned, 0 as random, below 0 "
                        + "anti-aligned.", "instance", "measure", TmsCircuits.labels("I", w.length),
                List.of("A", "random baseline", "anti-aligned floor 1/√m", "normalised"), values);
    }
}
