package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The layers' matrix products: each is one BLAS GEMM with the transposes passed as flags, written into a fresh
 * row-major (c-order) result in the current workspace. {@code INDArray.mmul} allocates its result outside the step
 * workspace's reuse and, into a c-order result, computes column-major and copies transposed; at the shapes of a small
 * transformer (K = 64) that made the products 2–3× slower per CPU-second (measured: docs/benchmarks.md, Neuroscope
 * scan), and ops after them (bias rows, head splits) read c order fastest.
 */
final class Gemm {
    private Gemm() {
    }

    /** a·b. */
    static INDArray mm(INDArray a, INDArray b) {
        return mm(a, false, b, false);
    }

    /** op(a)·op(b), op = transpose where the flag says so. */
    static INDArray mm(INDArray a, boolean transposeA, INDArray b, boolean transposeB) {
        long m = transposeA ? a.size(1) : a.size(0), n = transposeB ? b.size(0) : b.size(1);
        INDArray c = Nd4j.createUninitialized(a.dataType(), m, n);
        return Nd4j.gemm(a, b, c, transposeA, transposeB, 1.0, 0.0);
    }

    /**
     * The sums of x's columns, [cols] (what {@code x.sum(0)} gives), as one GEMV 1ᵀ·x: ND4J's reduction along
     * axis 0 of a row-major array is ≈ 10–40× slower (a bias gradient took ≈ 1 ms of the addition step, measured:
     * docs/benchmarks.md).
     */
    static INDArray columnSums(INDArray x) {
        long rows = x.size(0), cols = x.size(1);
        INDArray out = Nd4j.createUninitialized(x.dataType(), 1, cols);
        return Nd4j.gemm(Nd4j.ones(x.dataType(), 1, rows), x, out, false, false, 1.0, 0.0).reshape(cols);
    }
}
