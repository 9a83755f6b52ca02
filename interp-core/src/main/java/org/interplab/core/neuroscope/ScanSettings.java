package org.interplab.core.neuroscope;

/**
 * What a Neuroscope scan keeps per neuron. Every shard of one scan must use the same settings (they fix the heap
 * sizes, the histogram bins, the band edges and the random keys), which is what lets shards merge exactly.
 *
 * @param topK          max-activating examples kept exactly (Neuroscope used 20)
 * @param before        tokens of context kept before the example's token
 * @param after         tokens of context kept after it
 * @param bandSamples   samples kept per activation band (bands are half-octaves of the activation, see {@link #band})
 * @param randomSamples uniform random samples over all scanned tokens (a reservoir by hash keys)
 * @param histLo        lower edge of the histogram; values below go to an underflow bin
 * @param histHi        upper edge; values at or above go to an overflow bin
 * @param histBins      equal-width bins between histLo and histHi
 * @param seed          seeds the random keys (same seed, same samples, whatever the sharding)
 */
public record ScanSettings(int topK, int before, int after, int bandSamples, int randomSamples, float histLo,
                           float histHi, int histBins, long seed) {
    /** Half-octave bands from 2^BAND_MIN_EXP upwards: band 0 holds (0, 2^BAND_MIN_EXP·1.5), the last everything above. */
    public static final int BAND_MIN_EXP = -8;
    public static final int BANDS = 2 * 16;

    public static ScanSettings defaults() {
        return new ScanSettings(20, 32, 8, 4, 10, -0.25f, 8f, 165, 1L);
    }

    public ScanSettings {
        if (topK < 1 || before < 0 || after < 0 || bandSamples < 0 || randomSamples < 0 || histBins < 1
                || !(histHi > histLo)) {
            throw new IllegalArgumentException("invalid scan settings");
        }
    }

    /** The histogram bin of an activation: 0 = underflow, 1..histBins, histBins + 1 = overflow. */
    public int bin(float a) {
        return bin(a, histLo, histHi, histHi - histLo, histBins);
    }

    /**
     * {@link #bin(float)} from the settings' edges as arguments, {@code width = hi − lo} (a hot loop keeps them in
     * registers, where it reloaded the record's fields at every activation).
     */
    static int bin(float a, float lo, float hi, float width, int bins) {
        if (a < lo) {
            return 0;
        }
        if (a >= hi) {
            return bins + 1;
        }
        return 1 + Math.min(bins - 1, (int) ((a - lo) * bins / width));
    }

    /** Lower edge of histogram bin b (1..histBins); bin 0 starts at −∞ and bin histBins + 1 ends at +∞. */
    public double binLow(int b) {
        return histLo + (double) (b - 1) * (histHi - histLo) / histBins;
    }

    /**
     * The activation band of a positive activation: half-octaves [2^e, 1.5·2^e) and [1.5·2^e, 2^(e+1)), read from
     * the float's exponent and top mantissa bit (no logarithm per activation). Clamped to [0, BANDS) without a branch.
     */
    public static int band(float a) {
        int bits = Float.floatToRawIntBits(a);
        int e = ((bits >>> 23) & 0xff) - 127;
        int half = (bits >>> 22) & 1;
        return Math.max(0, Math.min(BANDS - 1, (e - BAND_MIN_EXP) * 2 + half));
    }

    /**
     * {@code a > 0 ? row + band(a) : none}, without a branch: a scan's activations are positive about half the time
     * in no predictable order, and the branch's mispredictions cost 4 ns per activation at the 21M shape (6.5 ns
     * for this lookup against 2.3 ns branch-free). a is positive (not NaN, not ±0) exactly when its bits less one,
     * as an int, lie in [0, 0x7f7fffff], i.e. when neither that nor 0x7f7fffff minus it has its sign bit set. The band
     * itself is read from {@link #BAND_OF_TOP_BITS} by the float's top ten bits: one load from a 4 KB table, where
     * computing it (exponent, half bit, clamp) made the lookup ≈ 1.6× as expensive in the scan's loop.
     */
    static int bandOrNone(float a, int row, int none) {
        int bits = Float.floatToRawIntBits(a);
        int x = bits - 1;
        int notPositive = (x | (0x7f7fffff - x)) >> 31; // all ones, or 0 for a positive a
        return (row + BAND_OF_TOP_BITS[bits >>> 22]) & ~notPositive | none & notPositive;
    }

    /**
     * {@link #band} of a float by its top ten bits (sign, exponent, the mantissa's first bit), which are all that
     * band reads; entries for a set sign bit are 0 (bandOrNone masks them).
     */
    private static final int[] BAND_OF_TOP_BITS = new int[1 << 10];

    static {
        for (int top = 0; top < 1 << 9; top++) {
            BAND_OF_TOP_BITS[top] = band(Float.intBitsToFloat(top << 22));
        }
    }

    /** Lower edge of a band (band 0 starts at 0). */
    public static double bandLow(int band) {
        if (band == 0) {
            return 0;
        }
        return Math.scalb(band % 2 == 0 ? 1.0 : 1.5, band / 2 + BAND_MIN_EXP);
    }

    /**
     * The random key of (neuron, position), 53 bits (exact as a double): the position's hash ({@link #positionHash},
     * SplitMix64 of the position and the seed) XOR the neuron's salt ({@link #salt}), top 53 bits. For a fixed neuron
     * the keys are independent uniform draws over positions (a XOR with a constant is a bijection), so the smallest
     * keys are a uniform sample; the hash is computed once per position and shared by every neuron and layer.
     */
    public long key(int neuron, long position) {
        return key(positionHash(position), salt(neuron));
    }

    /** {@link #key(int, long)} from the position's hash and the neuron's salt. */
    public static long key(long positionHash, long salt) {
        return (positionHash ^ salt) >>> 11;
    }

    /** SplitMix64 of the position with the seed. */
    public long positionHash(long position) {
        return mix(seed + position * 0x9E3779B97F4A7C15L);
    }

    /** The neuron's salt: SplitMix64 of its index (not of the seed, which the position hash already holds). */
    public static long salt(int neuron) {
        return mix(0x5851F42D4C957F2DL + (long) neuron * 0xC2B2AE3D27D4EB4FL);
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
