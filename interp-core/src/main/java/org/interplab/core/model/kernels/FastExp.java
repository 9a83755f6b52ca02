package org.interplab.core.model.kernels;

/**
 * e^x for x ≤ 0 over arrays, in plain double arithmetic that HotSpot's C2 vectorises ({@link Math#exp} is a call per
 * element, and it was most of the attention kernel's forward time). A softmax needs nothing else: its arguments are
 * scores minus the row's maximum.
 *
 * <p>Method, chosen because every step is a multiply or add (no bit tricks, which C2 in JDK 17 does not vectorise):
 * e^x = (e^(x/256))^256 with x clamped to [−87, 0]; y = x/256 ∈ [−0.34, 0] is shifted by c = 87/512 to
 * r = y + c ∈ [−0.17, 0.17], e^r is its Taylor polynomial to degree 11 (truncation &lt; 1e-17), times e^−c, then
 * squared 8 times. Relative error against {@link Math#exp} &lt; 1e-13 over [−87, 0] (the squarings multiply the
 * rounding error by ≈ 256; {@code FastExpTest} measures it on a dense grid). Below −87 the result is e^−87
 * ≈ 1.6e-38, under float's smallest normal number: a softmax weight that small is 0 to every consumer. Each loop is
 * kept short enough for C2 to unroll (and so vectorise) it.
 */
public final class FastExp {
    /** Where arguments are clamped. */
    public static final double MIN_ARG = -87.0;
    private static final double SHIFT = 87.0 / 512;
    private static final double EXP_MINUS_SHIFT = 0.843730730484908; // e^(−87/512)

    private FastExp() {
    }

    /**
     * out[h] = e^(x[h] − shift[h]) for h &lt; n, where x[h] ≤ shift[h]. {@code out} may be {@code x}; {@code tmp}
     * is scratch of at least n; every array distinct otherwise.
     */
    public static void expShifted(double[] x, double[] shift, double[] out, double[] tmp, int n) {
        for (int h = 0; h < n; h++) {
            out[h] = Math.max(x[h] - shift[h], MIN_ARG) * (1.0 / 256) + SHIFT;
        }
        for (int h = 0; h < n; h++) {
            double r = out[h];
            double p = 1.0 / 39916800;
            p = p * r + 1.0 / 3628800;
            p = p * r + 1.0 / 362880;
            p = p * r + 1.0 / 40320;
            p = p * r + 1.0 / 5040;
            p = p * r + 1.0 / 720;
            tmp[h] = p;
        }
        for (int h = 0; h < n; h++) {
            double r = out[h];
            double p = tmp[h];
            p = p * r + 1.0 / 120;
            p = p * r + 1.0 / 24;
            p = p * r + 1.0 / 6;
            p = p * r + 0.5;
            p = p * r + 1.0;
            out[h] = (p * r + 1.0) * EXP_MINUS_SHIFT;
        }
        for (int h = 0; h < n; h++) {
            double p = out[h];
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            out[h] = p;
        }
        for (int h = 0; h < n; h++) {
            double p = out[h];
            p *= p;
            p *= p;
            p *= p;
            out[h] = p * p;
        }
    }

    /**
     * The FLOAT twin of {@link #expShifted(double[], double[], double[], double[], int)}, for the float attention
     * kernel: float's rounding (6e-8) times the 256 of eight squarings would cost 1.5e-5, so here e^x = (1 /
     * e^(−x/32))^32 with x clamped to [−87, 0]: r = −x/32 ∈ [0, 2.72] takes a Taylor polynomial of degree 15 whose terms
     * are all positive (no cancellation; truncation &lt; 3e-8 relative), one reciprocal, then five squarings. Relative
     * error against {@link Math#exp} &lt; 1e-5 over [−87, 0], ≈ 1.3e-6 on average ({@code FastExpTest}). Written with
     * {@link Math#fma}: with {@code p * r + c} the float loops ran 3× slower (210 against 660 ns per 256 lanes,
     * measured on the AMD EPYC, JDK 17), slower even than the double version's 290.
     */
    public static void expShifted(float[] x, float[] shift, float[] out, float[] tmp, int n) {
        for (int h = 0; h < n; h++) {
            out[h] = Math.max(x[h] - shift[h], (float) MIN_ARG) * (-1f / 32);
        }
        for (int h = 0; h < n; h++) { // Math.fma: 3× faster than p * r + c here (measured)
            float r = out[h];
            float p = 1f / 1307674368000f;
            p = Math.fma(p, r, 1f / 87178291200f);
            p = Math.fma(p, r, 1f / 6227020800f);
            p = Math.fma(p, r, 1f / 479001600f);
            p = Math.fma(p, r, 1f / 39916800f);
            tmp[h] = Math.fma(p, r, 1f / 3628800f);
        }
        for (int h = 0; h < n; h++) {
            float r = out[h];
            float p = tmp[h];
            p = Math.fma(p, r, 1f / 362880f);
            p = Math.fma(p, r, 1f / 40320f);
            p = Math.fma(p, r, 1f / 5040f);
            p = Math.fma(p, r, 1f / 720f);
            tmp[h] = Math.fma(p, r, 1f / 120f);
        }
        for (int h = 0; h < n; h++) {
            float r = out[h];
            float p = tmp[h];
            p = Math.fma(p, r, 1f / 24f);
            p = Math.fma(p, r, 1f / 6f);
            p = Math.fma(p, r, 0.5f);
            p = Math.fma(p, r, 1f);
            out[h] = Math.fma(p, r, 1f);
        }
        for (int h = 0; h < n; h++) {
            float p = 1f / out[h];
            p *= p;
            p *= p;
            p *= p;
            p *= p;
            out[h] = p * p;
        }
    }
}
