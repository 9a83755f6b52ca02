package org.interplab.core.model.kernels;

/**
 * Keeps subnormal floats (0 &lt; |x| &lt; {@link Float#MIN_NORMAL} ≈ 1.2e-38) out of the arrays a training step's
 * backward GEMMs read. On x86 every arithmetic operation that reads or makes a subnormal takes a microcode assist
 * (on the order of 100 cycles instead of 1), and neither Java nor ND4J's OpenBLAS sets the CPU's flush-to-zero
 * modes. A trained model makes them in bulk: at a loss of 0.02 the softmax of the wrong answer tokens is below
 * 1e-38, so (softmax − one-hot) is full of subnormals, and so are the attention gradients of keys a query ignores.
 * Measured on the addition preset (one core): a step from a checkpoint at step 24 722 of a product run took 74 ms,
 * against 15 ms from the initial weights; with this, 18 ms (docs/benchmarks.md, "Ninth session").
 *
 * <p>{@link #flush} is (x + c) − c with c = 2^-100: two additions and no branch, so C2 vectorises the loops it is in
 * (a compare-and-select did not, and cost ≈ 1 ms per addition step). The result is exact for |x| ≥ 2^-75 (≈ 2.6e-23).
 * Below that it moves by at most one float ulp of x, and below 2^-100 it is rounded to a multiple of 2^-123
 * (≈ 9.4e-38): 0 or a normal number, never a subnormal. Gradient entries that small change nothing next to the ones
 * that train (1e-8 and more).
 */
public final class Subnormals {
    private static final float C_FLOAT = 0x1p-100f;
    private static final double C_DOUBLE = 0x1p-960;

    private Subnormals() {
    }

    /** x rounded as described above: never subnormal; exact for |x| ≥ 2^-75; NaN and ±∞ pass unchanged. */
    public static float flush(float x) {
        return (x + C_FLOAT) - C_FLOAT;
    }

    /** The same for doubles (the kernels' double twins): exact for |x| ≥ 2^-906 (≈ 1e-273), never subnormal. */
    public static double flush(double x) {
        return (x + C_DOUBLE) - C_DOUBLE;
    }
}
