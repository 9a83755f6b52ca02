package org.interplab.core.task;

/**
 * A small seeded random generator (SplitMix64) whose whole state is one {@code long}, so a run can store it in a
 * checkpoint and continue the same data order after a resume. Used for data generation, shuffles and weight init;
 * never shared between runs.
 */
public final class Rng {
    private long state;

    public Rng(long seed) {
        this.state = seed;
    }

    /** The state to store; {@code new Rng(rng.state())} continues exactly where this one is. */
    public long state() {
        return state;
    }

    public long nextLong() {
        long z = (state += 0x9E3779B97F4A7C15L);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) {
        if (bound <= 0) {
            throw new IllegalArgumentException("bound must be > 0");
        }
        return (int) Math.floorMod(nextLong() >>> 1, (long) bound);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /**
     * The number of failures before the first success in Bernoulli trials of success probability p, given
     * {@code logMiss} = ln(1 − p) (&lt; 0): geometric, P(k) = (1 − p)^k·p, by inversion from one draw
     * (⌊ln U / ln(1 − p)⌋, U uniform in (0, 1]). Saturates at {@link Long#MAX_VALUE}.
     */
    public long nextGeometric(double logMiss) {
        double u = 1 - nextDouble();
        double k = Math.floor(Math.log(u) / logMiss);
        return k >= Long.MAX_VALUE ? Long.MAX_VALUE : (long) k;
    }

    /** Standard normal (Box–Muller, one value per call). */
    public double nextGaussian() {
        double u1 = nextDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }

    /** Fisher–Yates shuffle in place. */
    public void shuffle(int[] values) {
        for (int i = values.length - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int tmp = values[i];
            values[i] = values[j];
            values[j] = tmp;
        }
    }

    /** A seed for an independent stream, derived from a base seed and a label (e.g. "init", "test-set"). */
    public static long derive(long seed, String label) {
        Rng r = new Rng(seed ^ (label.hashCode() * 0x9E3779B97F4A7C15L));
        r.nextLong();
        return r.nextLong();
    }
}
