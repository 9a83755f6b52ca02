package org.interplab.core.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A forward hook on a named activation (TransformerLens's {@code fwd_hooks}): it sees the activation in its
 * TransformerLens shape and returns its replacement (the same shape; it may modify the argument in place and return
 * it), or null to leave it as it is. See {@link Hooks} for zero/mean ablation and patching, and
 * {@link Transformer#run(int[][], java.util.Map)}.
 */
@FunctionalInterface
public interface HookFn {
    INDArray apply(INDArray activation, String hookName);
}
