package org.interplab.core.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.interval;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.interplab.core.model.kernels.HostOps;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One pass of a {@link Transformer}: its batch and sequence length, the hooks that replace activations, the cache
 * that records them, and the gradients the backward pass collects.
 */
final class Run {
    final int batch;
    final int ctx;
    final Map<String, INDArray> grads = new LinkedHashMap<>();
    private final Map<String, HookFn> hooks;
    private final Predicate<String> keep;
    final Map<String, INDArray> cache;
    /**
     * The first position whose output anything reads (the loss's first position, for a training step without
     * hooks); 0 when every position's is. The last block then computes its output rows only from here on.
     */
    int outFrom;
    /** Whether a backward pass follows this forward (layers may then keep what saves the backward work). */
    boolean withBackward;

    /** {@code keep} null: no cache. */
    Run(int batch, int ctx, Map<String, HookFn> hooks, Predicate<String> keep) {
        this.batch = batch;
        this.ctx = ctx;
        this.hooks = hooks;
        this.keep = keep;
        this.cache = keep == null ? null : new LinkedHashMap<>();
    }

    /** The rows of positions ≥ {@link #outFrom} of a residual-shaped [batch·pos, f] array, [batch·(pos − outFrom), f]. */
    INDArray tail(INDArray x) {
        long f = x.size(1);
        // rank 2 ([batch, pos·f], a contiguous run per sequence): ND4J's strided ops on the rank-3 view were ≈ 10× slower
        return x.reshape(batch, ctx * f).get(all(), interval(outFrom * f, ctx * f)).dup('c')
                .reshape((long) batch * (ctx - outFrom), f);
    }

    /** {@link #tail}(x) + add, [batch·(pos − outFrom), f]. */
    INDArray tailPlus(INDArray x, INDArray add) {
        if (HostOps.supportsFloat(x, add)) {
            return HostOps.tailRowsPlus(x, add, batch, ctx, outFrom);
        }
        return tail(x).addi(add);
    }

    /** full [batch·pos, f] with {@code tail} ({@link #tail}'s rows) added at its positions ≥ outFrom; returns full. */
    INDArray addTail(INDArray full, INDArray tail) {
        if (HostOps.supportsFloat(full, tail)) {
            HostOps.addToTailRows(full, tail, batch, ctx, outFrom);
            return full;
        }
        long f = full.size(1);
        full.reshape(batch, ctx * f).get(all(), interval(outFrom * f, ctx * f))
                .addi(tail.reshape(batch, (ctx - outFrom) * f));
        return full;
    }

    /** {@link #tail}'s rows placed into zeros of the full residual shape [batch·pos, f]. */
    INDArray padTail(INDArray tail) {
        return addTail(Nd4j.zeros(tail.dataType(), (long) batch * ctx, tail.size(1)), tail);
    }

    boolean wants(String name) {
        return hooks.containsKey(name) || (keep != null && keep.test(name));
    }

    /**
     * Passes {@code activation} (TransformerLens shape) through the hook of that name, caches what the model goes on
     * with, and returns the replacement as a fresh c-order array of the same shape, or null when nothing replaced
     * it.
     */
    INDArray hook(String name, INDArray activation) {
        INDArray replaced = null;
        HookFn fn = hooks.get(name);
        if (fn != null) {
            INDArray out = fn.apply(activation, name);
            if (out != null) {
                if (!Arrays.equals(out.shape(), activation.shape())) {
                    throw new IllegalArgumentException("hook " + name + " returned shape " + Arrays.toString(out.shape())
                            + ", expected " + Arrays.toString(activation.shape()));
                }
                replaced = out.castTo(activation.dataType()).dup('c');
            }
        }
        if (keep != null && keep.test(name)) {
            cache.put(name, (replaced != null ? replaced : activation).dup('c'));
        }
        return replaced;
    }

    /** {@link #hook} on a residual-shaped activation [batch·pos, f], shown as [batch, pos, f]; returns x or its replacement. */
    INDArray residual(String name, INDArray x) {
        if (!wants(name)) {
            return x;
        }
        INDArray replaced = hook(name, x.reshape(batch, ctx, x.size(1)));
        return replaced == null ? x : replaced.reshape(x.shape());
    }
}
