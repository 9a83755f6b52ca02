package org.interplab.core.circuits;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Head order as a number (issue 11 §3): Kendall's τ_b between two heads' rankings of the key tokens, with a
 * permutation test. "Reversed" (seed 000) is the yes/no case τ = −1; on the OV-coherent task with d_head 1 the two
 * heads' orders are exactly reversed in some seeds only, yet anti-correlated (τ ≈ −0.8) in nearly all.
 *
 * <p>τ_b = (n_c − n_d) / √((n₀ − n₁)(n₀ − n₂)) over the n₀ = k(k−1)/2 token pairs: n_c concordant, n_d discordant,
 * n₁ / n₂ pairs tied in the first / second ranking (ties are the ranking's {@code =} groups). The permutation test
 * holds the first ranking and shuffles the second's rank vector (its ties stay): all k! orders when k ≤
 * {@link #EXACT_UP_TO}, else {@link #SAMPLES} seeded random ones (p = (hits + 1) / (samples + 1)).
 */
public final class HeadOrderTau {
    public static final int EXACT_UP_TO = 8;
    public static final int SAMPLES = 20_000;

    private HeadOrderTau() {
    }

    /** τ_b and the permutation p-values: two-sided P(|τ| ≥ |τ_obs|) and one-sided P(τ ≤ τ_obs). */
    public record Test(double tau, double pTwoSided, double pLower, long permutations) {
    }

    /**
     * The rank of each key token in one ranking: its tie group's index, best group 0 ({@code keys[i]} gets
     * {@code ranks[i]}).
     */
    static int[] ranks(HeadOrder.Ranking ranking, int[] keys) {
        List<java.util.Set<Integer>> groups = ranking.groups();
        int[] ranks = new int[keys.length];
        for (int i = 0; i < keys.length; i++) {
            ranks[i] = -1;
            for (int g = 0; g < groups.size(); g++) {
                if (groups.get(g).contains(keys[i])) {
                    ranks[i] = g;
                }
            }
            if (ranks[i] < 0) {
                throw new IllegalArgumentException("token " + keys[i] + " is not ranked");
            }
        }
        return ranks;
    }

    /** Kendall's τ_b of two rank vectors of equal length (NaN when either has every value tied). */
    public static double tauB(int[] x, int[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("rank vectors differ in length: " + x.length + " vs " + y.length);
        }
        long concordant = 0, discordant = 0, tiesX = 0, tiesY = 0, pairs = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = i + 1; j < x.length; j++) {
                pairs++;
                int dx = Integer.signum(x[i] - x[j]), dy = Integer.signum(y[i] - y[j]);
                if (dx == 0) {
                    tiesX++;
                }
                if (dy == 0) {
                    tiesY++;
                }
                if (dx != 0 && dy != 0) {
                    if (dx == dy) {
                        concordant++;
                    } else {
                        discordant++;
                    }
                }
            }
        }
        double denominator = Math.sqrt((double) (pairs - tiesX) * (pairs - tiesY));
        return denominator == 0 ? Double.NaN : (concordant - discordant) / denominator;
    }

    /** τ_b between two rankings of the same key tokens, with its permutation test (τ 0, p 1 when undefined). */
    public static Test test(HeadOrder.Ranking a, HeadOrder.Ranking b, int[] keys) {
        int[] x = ranks(a, keys), y = ranks(b, keys);
        double observed = tauB(x, y);
        if (Double.isNaN(observed)) {
            return new Test(0, 1, 1, 0); // undefined: reported as no correlation, never significant
        }
        double eps = 1e-12;
        long[] hits = new long[2]; // |τ| ≥ |τ_obs|, τ ≤ τ_obs
        long n;
        if (keys.length <= EXACT_UP_TO) {
            n = permute(y.clone(), 0, x, observed, eps, hits);
            return new Test(observed, (double) hits[0] / n, (double) hits[1] / n, n);
        }
        Random random = new Random(0);
        int[] shuffled = y.clone();
        for (int s = 0; s < SAMPLES; s++) {
            for (int i = shuffled.length - 1; i > 0; i--) {
                int j = random.nextInt(i + 1), t = shuffled[i];
                shuffled[i] = shuffled[j];
                shuffled[j] = t;
            }
            count(tauB(x, shuffled), observed, eps, hits);
        }
        return new Test(observed, (hits[0] + 1.0) / (SAMPLES + 1), (hits[1] + 1.0) / (SAMPLES + 1), SAMPLES);
    }

    private static void count(double tau, double observed, double eps, long[] hits) {
        if (Math.abs(tau) >= Math.abs(observed) - eps) {
            hits[0]++;
        }
        if (tau <= observed + eps) {
            hits[1]++;
        }
    }

    /** Every ordering of y[from..] (Heap-free swap recursion); returns how many were counted. */
    private static long permute(int[] y, int from, int[] x, double observed, double eps, long[] hits) {
        if (from == y.length) {
            count(tauB(x, y), observed, eps, hits);
            return 1;
        }
        long n = 0;
        for (int i = from; i < y.length; i++) {
            swap(y, from, i);
            n += permute(y, from + 1, x, observed, eps, hits);
            swap(y, from, i);
        }
        return n;
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /**
     * {@code head_order_tau}: one row per pair of layer-0 heads (a &lt; b), columns τ_b, the two permutation
     * p-values and whether the orders are exact reverses (1/0).
     */
    public static CircuitTable table(List<HeadOrder.Ranking> rankings, int[] keys, List<String> inputLabels) {
        List<String> rows = new ArrayList<>();
        List<double[]> values = new ArrayList<>();
        List<String> described = new ArrayList<>();
        long permutations = 0;
        for (int a = 0; a < rankings.size(); a++) {
            for (int b = a + 1; b < rankings.size(); b++) {
                Test t = test(rankings.get(a), rankings.get(b), keys);
                permutations = t.permutations();
                String pair = TransformerCircuits.head(0, a) + "–" + TransformerCircuits.head(0, b);
                rows.add(pair);
                values.add(new double[] {t.tau(), t.pTwoSided(), t.pLower(),
                        rankings.get(a).isReverseOf(rankings.get(b)) ? 1 : 0});
                described.add(pair + " τ = " + String.format(java.util.Locale.ROOT, "%.3f", t.tau()) + " ("
                        + rankings.get(a).describe(inputLabels) + " vs " + rankings.get(b).describe(inputLabels) + ")");
            }
        }
        return new CircuitTable("head_order_tau", "head_order_tau", "Kendall τ between the heads' orders",
                "Kendall's τ_b between two heads' rankings of the key tokens (head_order, ties as '='): +1 same "
                        + "order, −1 exactly reversed, near 0 unrelated. p-values from a permutation test of the second "
                        + "order (" + (keys.length <= EXACT_UP_TO ? "all " + permutations + " orders" : permutations
                        + " seeded random orders") + "): two-sided P(|τ| ≥ |τ_obs|) and P(τ ≤ τ_obs) for "
                        + "anti-correlation. τ 0 and p 1 when an order ties every token (τ is undefined there). " + String.join("; ", described) + ".",
                "head pair", "measure", rows, List.of("τ_b", "p two-sided", "p (τ ≤ observed)", "reversed"),
                values.toArray(double[][]::new));
    }
}
