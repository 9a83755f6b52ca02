package org.interplab.core.model.kernels;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The attention core of one layer straight on the QKV projection's output, forward and backward, on the CPU:
 * scores = scale·q·kᵀ, causal (and optionally local) mask, softmax over the allowed keys, z = pattern·v, per head.
 *
 * <p>Layouts are those of the GEMMs around it, so no head split or merge is needed: {@code qkv} is [batch·pos,
 * 3·head·d_head] (columns q | k | v, each head·d_head with column h·d_head + c), z and dz are [batch·pos,
 * head·d_head], dQkv is like qkv. The backward recomputes the pattern from q and k (cheaper than writing 12 MB of
 * pattern out and reading it back at the addition shapes); on request the forward also returns it, in the kernel's
 * layout [batch, query_pos, key_pos, head] ({@link #patternView} shows it as TransformerLens's [batch, head,
 * query_pos, key_pos] without a copy).
 *
 * <p>Why this shape of loop: the toy models have many heads with tiny d_head (the addition model: 32 heads × 2 over 19
 * positions), so each batch element is read once into per-thread scratch transposed to [d_head, pos, head], and every
 * inner loop runs over the heads — contiguous numbers with no dependence between iterations, which HotSpot's C2
 * vectorises — with {@link FastExp} in place of {@link Math#exp}. Batch elements run in parallel on
 * {@link KernelThreads}. The loops live in {@link QkvLanesDouble} (DOUBLE storage) and its generated float twin
 * {@code QkvLanesFloat} (FLOAT storage: no conversions, twice the lanes per vector); one source, so the
 * finite-difference checks in double cover the code training runs in float.
 *
 * <p>Two column layouts: head-major (column h·d_head + c of each of q | k | v, TransformerLens's order, the default)
 * and <b>component-major</b> (column c·heads + h; the {@code componentMajor} overloads). In the second, each
 * position's component c of every head is a contiguous run, which is exactly one lane row of the kernel's scratch:
 * reading and writing the lanes become array copies instead of strided gathers (which took ≈ 25 % of the kernel's
 * time at the addition shapes). {@code Attention} permutes the columns of its W_QKV and the rows of W_O once per
 * step so that the GEMMs produce and consume this layout; z, dz and dQkv then use it too.
 */
public final class QkvAttentionKernel {
    /**
     * z [batch·pos, head·d_head]; when asked for, the pattern [batch, query, key, head] (0 where masked); when asked
     * to save it for the backward, the computed pattern entries in the kernel's own layout (else null).
     */
    public record Forward(INDArray z, INDArray pattern, INDArray saved) {
    }

    /** Lanes per block: enough for C2's unrolled vector loops; the block's pattern stays within ≈ 1 MB. */
    private static final int TARGET_LANES = 256;
    private static final int MAX_PATTERN_DOUBLES = 1 << 17;

    private QkvAttentionKernel() {
    }

    /** Batch elements per block for these shapes. */
    static int blockElements(int batch, int t, int heads) {
        int byLanes = Math.max(1, TARGET_LANES / heads);
        int byCache = Math.max(1, MAX_PATTERN_DOUBLES / (t * t * heads));
        return Math.max(1, Math.min(batch, Math.min(byLanes, byCache)));
    }

    /** Whether the kernel runs on arrays like {@code a} (CPU backend, FLOAT or DOUBLE), as {@link AttentionKernel}. */
    public static boolean supports(INDArray a) {
        return AttentionKernel.supports(a);
    }

    /** The kernel's pattern [batch, q, k, head] as a [batch, head, query_pos, key_pos] view. */
    public static INDArray patternView(INDArray pattern) {
        return pattern.permute(0, 3, 1, 2);
    }

    /**
     * @param qkv    [batch·ctx, 3·heads·dHead], FLOAT or DOUBLE (copied to c order if it is not)
     * @param window      ≤ 0: global (causal); else key k is allowed for query q iff 0 ≤ q − k &lt; window
     * @param keepPattern whether to return the pattern too (else it is null)
     * @return z and the pattern, of qkv's data type, allocated in the current ND4J workspace, if any
     */
    public static Forward forward(INDArray qkv, int batch, int ctx, int heads, int dHead, double scale, int window,
                                  boolean keepPattern) {
        return forward(qkv, batch, ctx, heads, dHead, scale, window, keepPattern, false);
    }

    /** As above; {@code componentMajor}: qkv's and z's columns are c·heads + h (see the class comment). */
    public static Forward forward(INDArray qkv, int batch, int ctx, int heads, int dHead, double scale, int window,
                                  boolean keepPattern, boolean componentMajor) {
        return forward(qkv, null, batch, ctx, heads, dHead, scale, window, keepPattern, componentMajor, 0, false);
    }

    /**
     * As above, for the queries at positions q0 … ctx − 1 only (keys and values at every position): z is
     * [batch·(ctx − q0), heads·dHead], the rows of those positions. What a pass computes when nothing reads the
     * outputs at earlier positions (its loss starts at q0 and it is the last layer); no pattern then. With
     * {@code savePattern} the result's {@code saved} holds the pattern entries those queries computed (batch·heads
     * per allowed (query, key) pair, in the current workspace), for {@link #backward} to read instead of computing
     * them again (at the addition shapes the recomputation was about half of the backward). {@code bias}, if not
     * null, is the QKV bias [3·heads·dHead] in qkv's column layout: the kernel adds it to qkv's rows as it reads
     * them (qkv is then the projection without its bias; pass the same to {@link #backward}).
     */
    public static Forward forward(INDArray qkv, INDArray bias, int batch, int ctx, int heads, int dHead, double scale,
                                  int window, boolean keepPattern, boolean componentMajor, int q0,
                                  boolean savePattern) {
        INDArray in = checked(qkv, batch, ctx, 3 * heads * dHead);
        checkFirstQuery(q0, ctx, keepPattern);
        DataType dt = in.dataType();
        INDArray z = Nd4j.createUninitialized(dt, (long) batch * (ctx - q0), (long) heads * dHead);
        INDArray pattern = keepPattern ? Nd4j.createUninitialized(dt, batch, ctx, ctx, heads) : null;
        checkBias(bias, heads * dHead);
        INDArray saved = savePattern ? Nd4j.createUninitialized(dt, pairs(ctx, window, q0) * batch * heads) : null;
        DirectIo qkvIo = DirectIo.of(in), zIo = DirectIo.of(z), pIo = keepPattern ? DirectIo.of(pattern) : null;
        DirectIo sIo = savePattern ? DirectIo.of(saved) : null;
        if (dt == DataType.FLOAT) {
            QkvLanesFloat.forward(qkvIo, bias == null ? null : bias.toFloatVector(), zIo, pIo, sIo, batch, ctx, heads,
                    dHead, (float) scale, window, componentMajor, q0);
        } else {
            QkvLanesDouble.forward(qkvIo, bias == null ? null : bias.toDoubleVector(), zIo, pIo, sIo, batch, ctx,
                    heads, dHead, scale, window, componentMajor, q0);
        }
        return new Forward(z, pattern, saved);
    }

    /**
     * Given the forward's qkv and dz [batch·ctx, heads·dHead] = ∂loss/∂z: the pattern again, then dv =
     * patternᵀ·dz; dPattern = dz·vᵀ; dScores = pattern ⊙ (dPattern − Σ_k pattern·dPattern) row by row;
     * dq = scale·dScores·k; dk = scale·dScoresᵀ·q; returned together as dQkv [batch·ctx, 3·heads·dHead] in qkv's
     * layout.
     */
    public static INDArray backward(INDArray qkv, INDArray dz, int batch, int ctx, int heads, int dHead, double scale,
                                    int window) {
        return backward(qkv, dz, batch, ctx, heads, dHead, scale, window, false);
    }

    /** As above; {@code componentMajor}: qkv's, dz's and dQkv's columns are c·heads + h (see the class comment). */
    public static INDArray backward(INDArray qkv, INDArray dz, int batch, int ctx, int heads, int dHead, double scale,
                                    int window, boolean componentMajor) {
        return backward(qkv, null, dz, batch, ctx, heads, dHead, scale, window, componentMajor, 0, null, false)
                .dQkv();
    }

    /** dQkv and, when asked for, the sums of its columns [3·heads·dHead] (the bias gradient), else null. */
    public record Backward(INDArray dQkv, INDArray columnSums) {
    }

    /**
     * As above, for forward's queries q0 … ctx − 1: dz is [batch·(ctx − q0), heads·dHead] (those positions' rows);
     * dQkv has every position's row (dq is 0 before q0; dk and dv get the later queries' share). {@code saved}: the
     * forward's {@link Forward#saved} for the same qkv, q0 and window, or null (the pattern is then recomputed).
     * {@code columnSums}: also the sums of dQkv's columns, summed as the kernel writes them (a GEMV over dQkv took
     * ≈ 0.4 ms of the addition step). {@code bias}: as forward's.
     */
    public static Backward backward(INDArray qkv, INDArray bias, INDArray dz, int batch, int ctx, int heads, int dHead,
                                    double scale, int window, boolean componentMajor, int q0, INDArray saved,
                                    boolean columnSums) {
        int hd = heads * dHead;
        INDArray in = checked(qkv, batch, ctx, 3 * hd);
        checkFirstQuery(q0, ctx, false);
        checkBias(bias, hd);
        INDArray dzc = checked(dz, batch, ctx - q0, hd);
        if (dzc.dataType() != in.dataType()) {
            throw new IllegalArgumentException("dz must have qkv's type " + in.dataType() + ", got " + dzc.dataType());
        }
        INDArray dQkv = Nd4j.createUninitialized(in.dataType(), (long) batch * ctx, 3L * hd);
        if (saved != null && (saved.dataType() != in.dataType()
                || saved.length() != pairs(ctx, window, q0) * batch * heads || !DirectIo.isContiguous(saved))) {
            throw new IllegalArgumentException("saved pattern does not match these shapes: " + saved.length()
                    + " entries of " + saved.dataType());
        }
        DirectIo qkvIo = DirectIo.of(in), dzIo = DirectIo.of(dzc), outIo = DirectIo.of(dQkv);
        DirectIo sIo = saved == null ? null : DirectIo.of(saved);
        INDArray sums = null;
        if (in.dataType() == DataType.FLOAT) {
            float[] s = columnSums ? new float[3 * hd] : null;
            QkvLanesFloat.backward(qkvIo, bias == null ? null : bias.toFloatVector(), dzIo, outIo, sIo, s, batch, ctx,
                    heads, dHead, (float) scale, window, componentMajor, q0);
            sums = columnSums ? Nd4j.create(s, new long[] {3L * hd}, DataType.FLOAT) : null;
        } else {
            double[] s = columnSums ? new double[3 * hd] : null;
            QkvLanesDouble.backward(qkvIo, bias == null ? null : bias.toDoubleVector(), dzIo, outIo, sIo, s, batch,
                    ctx, heads, dHead, scale, window, componentMajor, q0);
            sums = columnSums ? Nd4j.create(s, new long[] {3L * hd}, DataType.DOUBLE) : null;
        }
        return new Backward(dQkv, sums);
    }

    /** a [rows, width] with rows = batch·ctx, as c-order contiguous (a copy if needed). */
    private static INDArray checked(INDArray a, int batch, int ctx, int width) {
        if (a.rank() != 2 || a.size(0) != (long) batch * ctx || a.size(1) != width) {
            throw new IllegalArgumentException("expected [" + (long) batch * ctx + ", " + width + "], got "
                    + Arrays.toString(a.shape()));
        }
        if (a.dataType() != DataType.FLOAT && a.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("attention kernel takes FLOAT or DOUBLE, got " + a.dataType());
        }
        return DirectIo.contiguous(a);
    }

    private static void checkBias(INDArray bias, int hd) {
        if (bias != null && bias.length() != 3L * hd) {
            throw new IllegalArgumentException("QKV bias must have " + 3 * hd + " entries, has " + bias.length());
        }
    }

    private static void checkFirstQuery(int q0, int ctx, boolean keepPattern) {
        if (q0 < 0 || q0 >= ctx || (keepPattern && q0 != 0)) {
            throw new IllegalArgumentException("first query position " + q0 + " must be in [0, " + ctx + ")"
                    + (keepPattern ? " and 0 when the pattern is kept" : ""));
        }
    }

    /** How many (query, key) pairs the queries q0 … ctx − 1 attend (what a saved pattern holds per lane). */
    static long pairs(int ctx, int window, int q0) {
        long n = 0;
        for (int i = q0; i < ctx; i++) {
            n += i - firstKey(i, window) + 1;
        }
        return n;
    }

    /** The first key query i may attend to. */
    static int firstKey(int i, int window) {
        return window > 0 ? Math.max(0, i - window + 1) : 0;
    }
}
