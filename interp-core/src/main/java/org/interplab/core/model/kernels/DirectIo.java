package org.interplab.core.model.kernels;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reads and writes contiguous ranges of a c-order FLOAT or DOUBLE INDArray in place, through an NIO view of its
 * off-heap memory (no copy of the whole array in or out): as doubles (the double kernels, either storage type) or,
 * for FLOAT storage, as floats (the float kernels). Absolute bulk get/put leave the buffer's position alone, so
 * threads may share one instance as long as their writes go to disjoint ranges.
 */
final class DirectIo {
    private final FloatBuffer floats;
    private final DoubleBuffer doubles;
    private final int offset;

    private DirectIo(INDArray a) {
        if (a.dataType() == DataType.FLOAT) {
            floats = a.data().asNioFloat();
            doubles = null;
        } else if (a.dataType() == DataType.DOUBLE) {
            floats = null;
            doubles = a.data().asNioDouble();
        } else {
            throw new IllegalArgumentException("expected FLOAT or DOUBLE, got " + a.dataType());
        }
        offset = Math.toIntExact(a.offset());
    }

    /** Direct access to {@code a}, which must be contiguous in c order (see {@link #contiguous}). */
    static DirectIo of(INDArray a) {
        return new DirectIo(a);
    }

    /** {@code a} itself if its elements lie contiguously in c order, else a c-order copy. */
    static INDArray contiguous(INDArray a) {
        return isContiguous(a) ? a : a.dup('c');
    }

    /**
     * Whether {@code a}'s elements lie contiguously in c order (from its offset): judged by the strides alone, so a
     * unit-stride 1-D view ND4J labels 'f' qualifies, and so does a [1, n] reshape.
     */
    static boolean isContiguous(INDArray a) {
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        boolean ok = true;
        for (int d = shape.length - 1; d >= 0 && ok; d--) {
            ok = shape[d] == 1 || stride[d] == expected;
            expected *= shape[d];
        }
        return ok;
    }

    /** A buffer of doubles per calling thread, at least {@code n} long (contents undefined). */
    static double[] scratch(ThreadLocal<double[]> slot, int n) {
        double[] s = slot.get();
        if (s == null || s.length < n) {
            s = new double[n];
            slot.set(s);
        }
        return s;
    }

    /** A buffer of floats per calling thread, at least {@code n} long (contents undefined). */
    static float[] floatScratch(ThreadLocal<float[]> slot, int n) {
        float[] s = slot.get();
        if (s == null || s.length < n) {
            s = new float[n];
            slot.set(s);
        }
        return s;
    }

    private static final ThreadLocal<float[]> FLOAT_STAGING = new ThreadLocal<>();

    private static float[] staging(int n) {
        return floatScratch(FLOAT_STAGING, n);
    }

    /** dst[dstOff .. dstOff+n) = elements [from, from+n) of the array. */
    void read(long from, double[] dst, int dstOff, int n) {
        int at = offset + Math.toIntExact(from);
        if (doubles != null) {
            doubles.get(at, dst, dstOff, n);
        } else {
            float[] s = staging(n);
            floats.get(at, s, 0, n);
            if (dstOff == 0) {
                widen(s, dst, n);
            } else {
                for (int i = 0; i < n; i++) {
                    dst[dstOff + i] = s[i];
                }
            }
        }
    }

    /** Elements [from, from+n) of the array = src[srcOff .. srcOff+n). */
    void write(long from, double[] src, int srcOff, int n) {
        int at = offset + Math.toIntExact(from);
        if (doubles != null) {
            doubles.put(at, src, srcOff, n);
        } else {
            float[] s = staging(n);
            if (srcOff == 0) {
                narrow(src, s, n);
            } else {
                for (int i = 0; i < n; i++) {
                    s[i] = (float) src[srcOff + i];
                }
            }
            floats.put(at, s, 0, n);
        }
    }

    /** dst[dstOff .. dstOff+n) = elements [from, from+n) of a FLOAT array, as they are (the float kernels). */
    void read(long from, float[] dst, int dstOff, int n) {
        floats().get(offset + Math.toIntExact(from), dst, dstOff, n);
    }

    /** Elements [from, from+n) of a FLOAT array = src[srcOff .. srcOff+n). */
    void write(long from, float[] src, int srcOff, int n) {
        floats().put(offset + Math.toIntExact(from), src, srcOff, n);
    }

    private FloatBuffer floats() {
        if (floats == null) {
            throw new IllegalStateException("float access to a DOUBLE array");
        }
        return floats;
    }

    /** d[i] = s[i], i &lt; n: the same index on both sides, which C2 vectorises (an offset on one side it did not). */
    private static void widen(float[] s, double[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = s[i];
        }
    }

    private static void narrow(double[] s, float[] d, int n) {
        for (int i = 0; i < n; i++) {
            d[i] = (float) s[i];
        }
    }

    static void zero(double[] a, int n) {
        Arrays.fill(a, 0, n, 0.0);
    }
}
