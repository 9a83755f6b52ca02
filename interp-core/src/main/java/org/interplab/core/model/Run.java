package org.interplab.core.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Predicate;
import org.nd4j.linalg.api.ndarray.INDArray;

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

    /** {@code keep} null: no cache. */
    Run(int batch, int ctx, Map<String, HookFn> hooks, Predicate<String> keep) {
        this.batch = batch;
        this.ctx = ctx;
        this.hooks = hooks;
        this.keep = keep;
        this.cache = keep == null ? null : new LinkedHashMap<>();
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
