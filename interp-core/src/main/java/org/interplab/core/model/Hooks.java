package org.interplab.core.model;

import static org.nd4j.linalg.indexing.NDArrayIndex.all;
import static org.nd4j.linalg.indexing.NDArrayIndex.point;

import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;

/**
 * Ready-made replacement hooks. Per-head hooks act on the head axis of the hook they are put on: axis 1 of
 * {@code attn.hook_pattern} [batch, head, q, k], axis 2 of {@code attn.hook_q/k/v/z/result} [batch, pos, head, …].
 */
public final class Hooks {
    private Hooks() {
    }

    /** Zero ablation of the whole activation. */
    public static HookFn zero() {
        return (a, name) -> a.ulike().assign(0);
    }

    /** Patching: the activation becomes {@code source} (e.g. another run's cache entry of the same hook). */
    public static HookFn patch(INDArray source) {
        return (a, name) -> {
            requireShape(source, a, name);
            return source.castTo(a.dataType());
        };
    }

    /** Mean ablation over the batch: every sequence gets the batch's mean activation at each position. */
    public static HookFn meanOverBatch() {
        return (a, name) -> a.dup().assign(a.mean(true, 0).broadcast(a.shape()));
    }

    /** Zero ablation of one head. */
    public static HookFn zeroHead(int head) {
        return (a, name) -> {
            INDArray out = a.dup();
            out.get(headIndex(out, name, head)).assign(0);
            return out;
        };
    }

    /** Patching of one head from {@code source} (same hook, same shape, e.g. another run's cache entry). */
    public static HookFn patchHead(int head, INDArray source) {
        return (a, name) -> {
            requireShape(source, a, name);
            INDArray out = a.dup();
            INDArrayIndex[] idx = headIndex(out, name, head);
            out.get(idx).assign(source.castTo(a.dataType()).get(idx));
            return out;
        };
    }

    /** Mean ablation of one head over the batch (its mean activation at each position replaces it). */
    public static HookFn meanHeadOverBatch(int head) {
        return (a, name) -> {
            INDArray out = a.dup();
            INDArrayIndex[] idx = headIndex(out, name, head);
            INDArray slice = out.get(idx);
            slice.assign(slice.mean(true, 0).broadcast(slice.shape()));
            return out;
        };
    }

    private static INDArrayIndex[] headIndex(INDArray a, String name, int head) {
        int axis = name.endsWith("hook_pattern") ? 1 : 2;
        if (!name.contains(".attn.hook_") || a.rank() != 4) {
            throw new IllegalArgumentException("a per-head hook needs an attention hook, not " + name);
        }
        if (head < 0 || head >= a.size(axis)) {
            throw new IllegalArgumentException("head " + head + " outside 0.." + (a.size(axis) - 1) + " of " + name);
        }
        INDArrayIndex[] idx = new INDArrayIndex[a.rank()];
        Arrays.fill(idx, all());
        idx[axis] = point(head);
        return idx;
    }

    private static void requireShape(INDArray source, INDArray a, String name) {
        if (!Arrays.equals(source.shape(), a.shape())) {
            throw new IllegalArgumentException("cannot patch " + name + ": source has shape "
                    + Arrays.toString(source.shape()) + ", the activation " + Arrays.toString(a.shape()));
        }
    }
}
